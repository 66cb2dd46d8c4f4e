// The API page (/api/v1/api.html): the OpenAPI definition as tables. A file of its own, not an
// inline script, so the Content-Security-Policy can refuse every inline script.
// Built with textContent only: nothing in the definition is ever parsed as HTML.
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
fetch('openapi.json').then(r => r.json()).then(doc => {
  const root = document.getElementById('paths');
  root.textContent = '';
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const h = el('h2'); h.append(el('span', method, 'm'), document.createTextNode(path)); root.append(h);
      root.append(el('div', op.summary), el('div', op.description || '', 'perm'));
      if ((op.parameters || []).length) {
        const t = el('table'); const head = el('tr');
        for (const c of ['name', 'in', 'type', 'description']) head.append(el('th', c));
        t.append(head);
        for (const p of op.parameters) {
          const row = el('tr');
          const type = p.schema ? (p.schema.enum ? p.schema.enum.join(' | ') : (p.schema.format || p.schema.type || '')) : '';
          for (const c of [p.name + (p.required ? ' *' : ''), p.in, type, p.description || '']) row.append(el('td', String(c)));
          t.append(row);
        }
        root.append(t);
      }
    }
  }
}).catch(e => { document.getElementById('paths').textContent = 'Không tải được / could not load: ' + e; });
