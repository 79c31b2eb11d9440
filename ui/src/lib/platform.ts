// What only phones have: the camera for the ID card's QR code and GPS for a visit, through the
// official Tauri plugins. On desktop both say "not available" and the forms work by typing.

export function isPhone(platform: string | undefined): boolean {
  return platform === 'android' || platform === 'ios';
}

/** Scans a QR code with the camera (phones only). */
export async function scanQr(): Promise<string> {
  const scanner = await import('@tauri-apps/plugin-barcode-scanner');
  const result = await scanner.scan({ formats: [scanner.Format.QRCode] });
  return result.content;
}

/** The current position (phones only); null when refused or unavailable. */
export async function position(): Promise<{ lat: number; lon: number } | null> {
  try {
    const geo = await import('@tauri-apps/plugin-geolocation');
    const p = await geo.getCurrentPosition({ enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 });
    return { lat: p.coords.latitude, lon: p.coords.longitude };
  } catch {
    return null;
  }
}
