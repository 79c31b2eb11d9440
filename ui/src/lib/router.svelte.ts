// A small hash router: `#/household/<id>?tab=x`. Hash routes survive a reload, work with the
// Android back button (history), and need no server. Svelte runes keep `route` reactive.

export interface Route {
  path: string[];
  query: Record<string, string>;
}

export function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const path = pathPart.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) query[k] = v;
  return { path: path.length ? path : ['today'], query };
}

export const route = $state<Route>(parse(typeof location === 'undefined' ? '' : location.hash));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const next = parse(location.hash);
    route.path = next.path;
    route.query = next.query;
    window.scrollTo(0, 0);
  });
}

export function go(path: string): void {
  location.hash = path.startsWith('#') ? path : `#/${path.replace(/^\//, '')}`;
}

/** Goes to `path` in place of the current entry: back then skips the page left (a form whose
 * work is done). */
export function replace(path: string): void {
  location.replace(`#/${path.replace(/^[#/]+/, '')}`);
}

export function back(fallback = 'today'): void {
  if (history.length > 1) history.back();
  else go(fallback);
}
