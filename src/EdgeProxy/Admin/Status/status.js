// EdgeProxy status page: polls /status.json and rebuilds the server-rendered tables from it. Values are only ever
// set as text (textContent), never as markup, so a hostile route id or certificate subject stays inert.
'use strict';
(() => {
  const every = 5000;
  const svgNs = 'http://www.w3.org/2000/svg';
  const time = t => (t ? t.replace('T', ' ').replace(/\.\d+/, '').replace(/(\+00:00|Z)$/, 'Z') : '-');
  const num = n => String(Math.round(n * 100) / 100);
  const last = a => (a.length ? a[a.length - 1] : null);

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function spark(values, label) {
    const td = document.createElement('td');
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 120 20');
    svg.setAttribute('width', '120');
    svg.setAttribute('height', '20');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    if (values.length > 1) {
      const max = Math.max(...values, 1e-9);
      const step = 120 / (values.length - 1);
      const line = document.createElementNS(svgNs, 'polyline');
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', 'currentColor');
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('points', values.map((v, i) => `${(i * step).toFixed(1)},${(19 - (Math.max(v, 0) / max) * 18).toFixed(1)}`).join(' '));
      svg.appendChild(line);
    }
    td.appendChild(svg);
    return td;
  }

  function fill(id, items, row, empty) {
    const table = document.getElementById(id);
    if (!table) return;
    const body = document.createElement('tbody');
    for (const item of items) {
      const tr = document.createElement('tr');
      const cls = row(item, tr);
      if (cls) tr.className = cls;
      body.appendChild(tr);
    }
    if (!items.length) {
      const tr = document.createElement('tr');
      const td = cell(empty, 'none');
      td.colSpan = table.tHead.rows[0].cells.length;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
  }

  const add = (tr, ...cells) => cells.forEach(c => tr.appendChild(typeof c === 'object' && c !== null ? c : cell(c)));

  function daysLeft(c) {
    return c.daysToExpiry < 0 ? 'EXPIRED' : num(c.daysToExpiry) + (c.expiresSoon ? ' (expires soon)' : '');
  }

  function render(s) {
    document.getElementById('readiness').textContent = s.readiness;
    document.getElementById('generated').textContent = time(s.generatedAt);
    fill('listeners', s.listeners, (l, tr) => add(tr, l.name, l.kind, l.address, l.port, l.certificates.join(', ')), 'no listener');
    fill('certificates', s.certificates, (c, tr) => {
      add(tr, c.key, c.subject, c.names.join(', '), c.issuer, time(c.notAfter), cell(daysLeft(c), c.expiresSoon ? 'bad' : null), c.source, c.file);
      return c.expiresSoon ? 'warn' : null;
    }, 'no certificate loaded');
    fill('routes', s.routes, (r, tr) => add(tr, r.id, r.hosts.length ? r.hosts.join(', ') : '(any)', r.path, r.cluster, r.streamPolicy, r.authorizationPolicy, r.allowFrom), 'no route');
    const destinations = s.clusters.flatMap(c => c.destinations.map(d => ({ cluster: c.id, ...d })));
    fill('clusters', destinations, (d, tr) => {
      add(tr, d.cluster, d.id, d.address, cell(d.health, d.health === 'unhealthy' ? 'bad' : d.health === 'healthy' ? 'good' : null), d.active, d.passive, d.inFlight);
      return d.health === 'unhealthy' ? 'down' : null;
    }, 'no cluster');
    fill('traffic', s.traffic.routes, (t, tr) => {
      const rps = last(t.requestsPerSecond);
      const err = last(t.errorRate);
      add(tr, t.route, rps == null ? '-' : num(rps), spark(t.requestsPerSecond, 'requests per second'), err == null ? '-' : num(err * 100) + ' %', spark(t.errorRate, '5xx rate'));
    }, 'no request counted yet');
    fill('streams', s.traffic.streams, (t, tr) => add(tr, t.kind, t.open), 'none open');
    fill('acme', s.acme, (a, tr) => add(tr, a.host, a.state, a.certificate, time(a.notAfter), time(a.nextAttempt), a.failures, a.lastProblem || '-'), 'ACME is not configured');
    fill('failures', s.upstreamFailures, (f, tr) => add(tr, time(f.at), f.route, f.cluster, f.destination, f.failure), 'none since start');
    fill('reload', s.lastReload ? [s.lastReload] : [], (r, tr) => {
      add(tr, time(r.at), cell(r.accepted ? 'accepted' : 'refused', r.accepted ? 'good' : 'bad'), r.accepted ? '-' : r.problems.join('\n'));
      return r.accepted ? null : 'warn';
    }, 'no reload since start');
  }

  async function poll() {
    const live = document.getElementById('live');
    try {
      const response = await fetch('/status.json', { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
      document.body.dataset.rendered = 'script';
      live.textContent = `live, every ${every / 1000} s (last ${new Date().toISOString().slice(11, 19)}Z)`;
    } catch (e) {
      live.textContent = `not refreshed: ${e.message}`;
    }
    setTimeout(poll, every);
  }

  poll();
})();
