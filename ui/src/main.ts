import './app.css';
import './lib/i18n';
import { mount } from 'svelte';
import App from './App.svelte';
import { markStart } from './lib/startup';

// The bundle is loaded and evaluated (the start benchmark's mark).
markStart('script');

const app = mount(App, { target: document.getElementById('app')! });

export default app;
