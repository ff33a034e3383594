// The Attaché web console: a client of the REST admin API and nothing else. Plain ES modules,
// no framework and no build step, so `./attache up` needs only a JDK and Maven. Every value the
// server returns is put into the page as text (textContent), never as HTML.

const api = async (path, options = {}) => {
  const headers = { ...(options.headers || {}) };
  const token = sessionStorage.getItem('attache.token');
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers });
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch (notJson) { /* YAML or text */ }
  if (!response.ok) {
    const error = new Error(typeof body === 'object' ? body.message : text);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
};

const $ = (selector) => document.querySelector(selector);

const cell = (row, text, className) => {
  const td = row.insertCell();
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
};

const fill = (table, items, columns) => {
  const body = $(table).tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const row = body.insertRow();
    for (const column of columns) {
      const value = column(item);
      if (value && value.verdict) cell(row, value.verdict, `verdict-${value.verdict}`);
      else cell(row, value);
    }
  }
};

const showDiff = (pre, text) => {
  pre.replaceChildren();
  for (const line of text.split('\n')) {
    const span = document.createElement('span');
    span.textContent = `${line}\n`;
    if (line.startsWith('@@')) span.className = 'hunk';
    else if (line.startsWith('+') && !line.startsWith('+++')) span.className = 'add';
    else if (line.startsWith('-') && !line.startsWith('---')) span.className = 'del';
    pre.append(span);
  }
};

let role = 'admin';
let refresher = null;

const views = {
  async overview() {
    const [services, routes, authorizations, defaults, revisions] = await Promise.all([
      api('/api/v1/services'), api('/api/v1/routes'), api('/api/v1/authorizations'),
      api('/api/v1/defaults'), api('/api/v1/revisions')]);
    $('#overview-revision').textContent = `at revision ${revisions.items[0]?.revision ?? 0}`;
    fill('#services', services.items, [
      (s) => s.name, (s) => s.port, (s) => s.protocol || 'HTTP1',
      (s) => (s.endpoints || []).map((e) => `${e.address}:${e.port}`).join(', ')]);
    fill('#routes', routes.items, [
      (r) => r.name, (r) => (r.hosts || []).join(', '),
      (r) => r.path_exact ? `= ${r.path_exact}` : `${r.path_prefix || '/'}*`,
      (r) => (r.destinations || []).map((d) => d.weight ? `${d.service} ${d.weight}%` : d.service).join(', ')]);
    fill('#authorizations', authorizations.items, [
      (a) => a.name, (a) => a.target, (a) => a.action || 'ALLOW', (a) => (a.rules || []).length]);
    $('#defaults').textContent = JSON.stringify(defaults, null, 2);
  },

  async proxies() {
    const status = await api('/api/v1/status');
    $('#sync-summary').textContent = status.summary.text;
    const type = (p, t) => p.types[t] ? { verdict: p.types[t].verdict } : '-';
    fill('#proxy-table', status.items, [
      (p) => p.node_id, (p) => p.cluster, (p) => `${p.user_agent} ${p.version}`,
      (p) => p.revision ?? '?', (p) => ({ verdict: p.verdict }),
      (p) => type(p, 'Cluster'), (p) => type(p, 'Listener'), (p) => type(p, 'ClusterLoadAssignment'),
      (p) => type(p, 'RouteConfiguration'), (p) => type(p, 'Secret')]);
    const nacks = $('#nacks');
    nacks.replaceChildren();
    for (const p of status.items) {
      for (const [t, s] of Object.entries(p.types)) {
        if (s.error) {
          const li = document.createElement('li');
          li.textContent = `${p.node_id} refused ${t}: ${s.error}`;
          nacks.append(li);
        }
      }
    }
  },

  async revisions() {
    const revisions = await api('/api/v1/revisions');
    const body = $('#revision-table').tBodies[0];
    body.replaceChildren();
    for (const r of revisions.items) {
      const row = body.insertRow();
      row.dataset.revision = r.revision;
      cell(row, r.revision);
      cell(row, r.created_at);
      cell(row, r.summary);
      const button = document.createElement('button');
      button.textContent = 'diff';
      button.addEventListener('click', () => showRevision(r.revision, r.summary));
      row.insertCell().append(button);
    }
  },

  async editor() {
    if (!$('#documents').value) await loadPolicy();
  },
};

const showRevision = async (revision, summary) => {
  const diff = await api(`/api/v1/revisions/${revision}/diff`);
  $('#revision-detail').hidden = false;
  $('#revision-detail').dataset.revision = revision;
  $('#revision-title').textContent = `Revision ${revision}: ${summary}`;
  showDiff($('#revision-diff'), diff.diff || '(no change)');
  $('#rollback-result').textContent = '';
};

const loadPolicy = async () => {
  $('#documents').value = await api('/api/v1/export');
  markLines();
};

const markLines = (bad = new Set()) => {
  const count = $('#documents').value.split('\n').length;
  const gutter = $('#gutter');
  gutter.replaceChildren();
  for (let i = 1; i <= count; i++) {
    const span = document.createElement('span');
    span.textContent = `${i}\n`;
    if (bad.has(i)) span.className = 'bad';
    gutter.append(span);
  }
  gutter.scrollTop = $('#documents').scrollTop;
};

const submit = async (dryRun) => {
  $('#editor-errors').replaceChildren();
  $('#editor-result').textContent = '';
  $('#editor-diff').replaceChildren();
  const prune = $('#prune').checked;
  try {
    const result = await api(`/api/v1/apply?dry_run=${dryRun}&prune=${prune}`, {
      method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: $('#documents').value });
    markLines();
    $('#editor-result').textContent = result.committed
      ? `Applied as revision ${result.revision}: ${result.summary}`
      : dryRun ? `Dry run against revision ${result.revision}: ${result.summary}`
        : `Nothing changed: revision ${result.revision} is current`;
    showDiff($('#editor-diff'), result.diff);
  } catch (error) {
    const body = error.body || {};
    const errors = body.errors || [{ field: body.field, message: error.message }];
    for (const e of errors) {
      const li = document.createElement('li');
      li.textContent = `${e.field || '(body)'}${body.line && e.field === body.field ? ` (line ${body.line})` : ''}: ${e.message}`;
      $('#editor-errors').append(li);
    }
    markLines(new Set(body.line ? [body.line] : []));
    $('#editor-result').textContent = `Refused (${error.status}): nothing was stored`;
  }
};

const show = async () => {
  const name = (location.hash || '#overview').slice(1);
  const view = views[name] ? name : 'overview';
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
  clearInterval(refresher);
  await views[view]();
  if (view === 'proxies') refresher = setInterval(() => views.proxies().catch(() => {}), 1000);
};

const signIn = async () => {
  try {
    const me = await api('/api/v1/whoami');
    role = me.role;
    document.body.classList.toggle('read-only', role !== 'admin');
    $('#who').textContent = `${role} · Attaché ${me.version}`;
    $('#login').hidden = true;
    $('#nav').hidden = false;
    await show();
    return true;
  } catch (error) {
    if (error.status !== 401) throw error;
    $('#login').hidden = false;
    $('#nav').hidden = true;
    for (const section of document.querySelectorAll('.view')) section.hidden = true;
    if (sessionStorage.getItem('attache.token')) $('#login-error').textContent = 'That token was refused.';
    return false;
  }
};

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  sessionStorage.setItem('attache.token', $('#token').value.trim());
  await signIn();
});
$('#load').addEventListener('click', loadPolicy);
$('#dry-run').addEventListener('click', () => submit(true));
$('#apply').addEventListener('click', () => submit(false));
$('#documents').addEventListener('input', () => markLines());
$('#documents').addEventListener('scroll', () => { $('#gutter').scrollTop = $('#documents').scrollTop; });
$('#rollback').addEventListener('click', async () => {
  const target = $('#revision-detail').dataset.revision;
  try {
    const result = await api(`/api/v1/revisions/${target}/rollback`, { method: 'POST' });
    $('#rollback-result').textContent = `Rolled back to revision ${target} as revision ${result.revision}`;
    await views.revisions();
  } catch (error) {
    $('#rollback-result').textContent = `Refused: ${error.message}`;
  }
});
window.addEventListener('hashchange', () => show());
signIn();
