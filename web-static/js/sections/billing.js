import { api } from '../api.js';
import { el, errorText, notice } from '../ui.js';
import { formatMoney } from './dashboard.js';

// Billing: customers, subscriptions, invoices (view, print, finalise, void), payments, commissions and payouts.
// Tabs are buttons with aria-selected; tables have captions; every action is a real <button>.

const date = text => (text ? text.slice(0, 10) : '—');

function table(caption, headers, rows) {
  if (!rows.length) return notice(`No ${caption.toLowerCase()} yet.`);
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map(cells => el('tr', {}, cells.map(c => el('td', {}, c))))));
}

let sheet;
let invoiceSheet;
function adoptStyles() {
  if (sheet) return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .billing-tabs { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: 1rem; }
    .billing-tabs button[aria-selected="true"] { font-weight: bold; text-decoration: underline; }
    .billing-panel table { border-collapse: collapse; width: 100%; }
    .billing-panel th, .billing-panel td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
    .billing-panel td button { margin-right: .25rem; }
    .invoice-view { border: 1px solid #ccc; padding: 1rem; margin-top: 1rem; }
    @media print {
      body.printing-invoice > *:not(main), body.printing-invoice main > *:not(.billing-panel),
      body.printing-invoice .billing-panel > *:not(.invoice-view), body.printing-invoice .invoice-actions { display: none !important; }
      body.printing-invoice .invoice-view { border: none; padding: 0; margin: 0; }
    }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

// The invoice's printable page is fetched with the bearer token; its stylesheet is adopted (the admin page's CSP
// blocks inline <style>) and its body shown inside the panel, so printing prints the invoice.
async function showInvoice(panel, id, refresh) {
  panel.querySelector('.invoice-view')?.remove();
  const [invoice, html] = await Promise.all([api(`/api/v1/billing/invoices/${id}`), api(`/api/v1/billing/invoices/${id}/html`)]);
  // Take the stylesheets out as text before parsing: a parsed <style> would trip the admin page's CSP.
  const styles = [];
  const markup = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, text) => { styles.push(text); return ''; });
  const page = new DOMParser().parseFromString(markup, 'text/html');
  const css = styles.join('\n')
    .replace(/(^|})\s*body\b/g, '$1 .invoice-body').replace(/(^|})\s*html\b/g, '$1 .invoice-body');
  if (invoiceSheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter(s => s !== invoiceSheet);
  invoiceSheet = new CSSStyleSheet();
  try { invoiceSheet.replaceSync(css); } catch { /* a stylesheet we cannot parse leaves the invoice unstyled */ }
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, invoiceSheet];
  const body = el('div', { class: 'invoice-body' });
  for (const node of [...page.body.childNodes]) body.append(document.importNode(node, true));
  for (const s of body.querySelectorAll('script, style, link')) s.remove();
  for (const s of body.querySelectorAll('[style]')) s.removeAttribute('style');
  const status = el('p', { role: 'status' });
  const actions = el('div', { class: 'invoice-actions' },
    el('button', { type: 'button', onclick: () => {
      document.body.classList.add('printing-invoice');
      window.print();
      document.body.classList.remove('printing-invoice');
    } }, 'Print'),
    invoice.status === 'draft' ? el('button', { type: 'button', onclick: async () => {
      try { await api(`/api/v1/billing/invoices/${id}/finalize`, { method: 'POST' }); await refresh(); await showInvoice(panel, id, refresh); } catch (e) { status.replaceChildren(errorText(e.message)); }
    } }, 'Finalise') : null,
    invoice.status === 'open' ? el('button', { type: 'button', onclick: () => voidInvoice(panel, invoice, status, refresh) }, 'Void') : null,
    el('button', { type: 'button', onclick: () => view.remove() }, 'Close'));
  const view = el('section', { class: 'invoice-view', 'aria-label': `Invoice ${invoice.number || 'draft ' + id}`, tabindex: '-1' }, actions, status, body);
  panel.append(view);
  view.focus();
}

async function voidInvoice(panel, invoice, status, refresh) {
  const reason = window.prompt(`Void ${invoice.number}? A credit note for ${formatMoney(invoice.amount_due)} will be issued. Reason:`, 'voided');
  if (reason === null) return;
  try {
    await api(`/api/v1/billing/invoices/${invoice.id}/void`, { method: 'POST', body: { reason: reason || 'voided' } });
    await refresh();
    await showInvoice(panel, invoice.id, refresh);
  } catch (e) {
    status.replaceChildren(errorText(e.message));
  }
}

const tabs = {
  Customers: async () => {
    const { data } = await api('/api/v1/billing/customers?limit=200');
    return table('Customers', ['Name', 'E-mail', 'Country', 'Currency', 'VAT id', 'Since'],
      data.map(c => [c.name, c.email, c.country, c.currency, c.vat_id || '—', date(c.created_at)]));
  },
  Subscriptions: async () => {
    const [{ data }, customers] = await Promise.all([api('/api/v1/billing/subscriptions?limit=200'), api('/api/v1/billing/customers?limit=1000')]);
    const names = new Map(customers.data.map(c => [c.id, c.name]));
    return table('Subscriptions', ['Customer', 'Plan', 'Status', 'Period ends', 'Cancels at period end', 'Pending plan'],
      data.map(s => [names.get(s.customer_id) || `#${s.customer_id}`, s.plan_code, s.status, date(s.current_period_end),
        s.cancel_at_period_end ? 'yes' : 'no', s.pending_plan_code || '—']));
  },
  Invoices: async (panel, refresh) => {
    const { data: latest } = await api('/api/v1/billing/invoices?latest=true&limit=200');
    return table('Invoices (latest first)', ['Number', 'Status', 'Total', 'Due', 'Period', 'Actions'],
      latest.map(i => [i.number || `draft #${i.id}`, i.status, formatMoney(i.total), formatMoney(i.amount_due),
        i.period_start ? `${date(i.period_start)} – ${date(i.period_end)}` : '—',
        el('span', {},
          el('button', { type: 'button', 'aria-label': `View ${i.number || 'draft ' + i.id}`, onclick: () => showInvoice(panel, i.id, refresh) }, 'View'),
          i.status === 'open' ? el('button', { type: 'button', 'aria-label': `Void ${i.number}`, onclick: () => voidInvoice(panel, i, el('p'), refresh) }, 'Void') : null)]));
  },
  Payments: async () => {
    const { data } = await api('/api/v1/billing/payments?limit=200');
    return table('Payments', ['Received', 'Invoice', 'Kind', 'Amount', 'Method', 'Reference'],
      data.map(p => [date(p.received_at), `#${p.invoice_id}`, p.kind, formatMoney(p.amount), p.method, p.external_id || '—']));
  },
  Commissions: async () => {
    const [{ data }, payouts] = await Promise.all([api('/api/v1/billing/commissions?limit=200'), api('/api/v1/billing/payouts')]);
    return el('div', {},
      table('Marketplace and sponsorship sales', ['Date', 'Stream', 'Gross', 'Commission', 'Payee share'],
        data.map(c => [date(c.occurred_at), c.stream, formatMoney(c.gross), formatMoney(c.commission), formatMoney(c.payee_share)])),
      table('Payouts owed', ['To', 'Kind', 'Amount'], payouts.data.map(p => [p.name, p.party, formatMoney(p.amount)])));
  },
};

export default {
  title: 'Billing',
  async render(main) {
    adoptStyles();
    main.append(el('h2', {}, 'Billing'));
    const bar = el('div', { class: 'billing-tabs', role: 'tablist', 'aria-label': 'Billing records' });
    const panel = el('div', { class: 'billing-panel', role: 'tabpanel', id: 'billing-panel', 'aria-live': 'polite' });
    main.append(bar, panel);
    let current = 'Invoices';
    const show = async name => {
      current = name;
      for (const b of bar.children) b.setAttribute('aria-selected', String(b.dataset.tab === name));
      panel.replaceChildren(el('p', {}, 'Loading…'));
      try {
        const content = await tabs[name](panel, () => show(current));
        panel.replaceChildren(content);
      } catch (error) {
        panel.replaceChildren(error.status === 404 ? notice('Billing is not enabled on this server.') : errorText(`Could not load ${name.toLowerCase()}: ${error.message}`));
      }
    };
    for (const name of Object.keys(tabs)) {
      bar.append(el('button', { type: 'button', role: 'tab', 'data-tab': name, 'aria-controls': 'billing-panel', onclick: () => show(name) }, name));
    }
    await show(current);
  },
};
