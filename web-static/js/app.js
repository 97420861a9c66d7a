// The admin shell: hash routing between sections, the status panel, the phone menu.
import { api } from './api.js';
import { sections } from './sections.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const toggle = document.getElementById('menu-toggle');

toggle.addEventListener('click', () => {
  const open = nav.classList.toggle('open');
  toggle.setAttribute('aria-expanded', String(open));
});

function currentSection() {
  const name = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'dashboard';
  return sections[name] ? name : 'dashboard';
}

async function render() {
  const name = currentSection();
  for (const link of nav.querySelectorAll('a[data-section]')) {
    if (link.dataset.section === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  nav.classList.remove('open');
  toggle.setAttribute('aria-expanded', 'false');
  document.title = `${sections[name].title} · Creator Studio`;
  main.replaceChildren();
  try {
    await sections[name].render(main);
  } catch (error) {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `Could not load ${sections[name].title}: ${error.message}`;
    main.append(p);
  }
  main.focus({ preventScroll: true });
}

async function refreshStatus() {
  const dot = document.getElementById('status-dot');
  const text = document.getElementById('status-text');
  try {
    const [health, version] = await Promise.all([api('/healthz'), api('/api/v1/version')]);
    dot.className = health.status === 'ok' ? 'dot ok' : 'dot bad';
    text.textContent = `v${version.version} · ${health.status === 'ok' ? 'healthy' : 'unhealthy'}`;
    text.dataset.version = version.version;
  } catch (error) {
    dot.className = 'dot bad';
    text.textContent = 'Daemon unreachable';
  }
}

window.addEventListener('hashchange', render);
render();
refreshStatus();
setInterval(refreshStatus, 15000);
