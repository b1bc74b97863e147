/* The chat inside the widget's iframe (docs/widget.md): pre-chat form, messages over the realtime
 * protocol (docs/protocol.md, visitor hello), uploads, typing, read receipts. Every piece of data
 * reaches the page through textContent or attributes checked here, never as HTML. */
(function () {
  'use strict';
  var body = document.body;
  var KEY = body.getAttribute('data-key');
  var HOST = body.getAttribute('data-origin');
  var CFG = JSON.parse(body.getAttribute('data-config') || '{}');
  var T = JSON.parse(body.getAttribute('data-strings') || '{}');
  var LANG = document.documentElement.lang || 'en';
  var TOKEN_KEY = 'sb:vt:' + KEY, OUT_KEY = 'sb:out:' + KEY, PRE_KEY = 'sb:pre:' + KEY;
  var framed = window.parent !== window;
  var S = {
    ws: null, live: false, attempt: 0, retry: 0, stopped: false, started: false, refs: 0,
    token: load(TOKEN_KEY), welcomed: false, verified: false,
    convs: {}, shown: {}, outbox: [], prechat: load(PRE_KEY), needForm: false,
    open: !framed, unread: 0, settings: {}, page: null,
    typingAt: 0, typingConv: null, typingStop: 0, theirTyping: 0
  };
  var $ = function (id) { return document.getElementById(id); };
  var log = $('log'), form = $('prechat'), composer = $('composer'), text = $('text'), fileInput = $('file');

  function t(k, vars) {
    var s = T[k] || k;
    for (var v in vars || {}) s = s.split('{' + v + '}').join(vars[v]);
    return s;
  }
  function load(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } }
  function save(k, v) {
    try { if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode */ }
  }
  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt != null) e.textContent = txt;
    return e;
  }
  function uid() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return 'c-' + Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  function toParent(msg) { if (framed) { msg.sb = 1; window.parent.postMessage(msg, HOST); } }
  function notice(msg, kind) {
    var n = $('notice');
    n.textContent = msg || '';
    n.className = 'notice' + (kind ? ' ' + kind : '');
    n.hidden = !msg;
  }
  var errTimer = 0;
  function showError(msg) {
    var e = $('error');
    e.textContent = msg;
    e.hidden = false;
    clearTimeout(errTimer);
    errTimer = setTimeout(function () { e.hidden = true; }, 10000);
  }
  function status(k) { $('status').textContent = k ? t(k) : ''; }

  /* ---------- the timeline ---------- */

  function safeUrl(u) { return typeof u === 'string' && /^\/[^/\\]/.test(u) ? u : null; }
  function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB'; }
  function time(iso) {
    var d = iso ? new Date(iso) : new Date();
    return isNaN(d) ? '' : d.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
  }
  function linkify(node, s) {
    var parts = String(s || '').split(/(https?:\/\/[^\s<>"']+)/);
    for (var i = 0; i < parts.length; i++) {
      if (i % 2) {
        var a = el('a', null, parts[i]);
        a.href = parts[i];
        a.target = '_blank';
        a.rel = 'noopener noreferrer nofollow';
        node.appendChild(a);
      } else if (parts[i]) node.appendChild(document.createTextNode(parts[i]));
    }
  }
  function attachmentNode(att) {
    var url = safeUrl(att.url), name = String(att.name || 'file');
    if (!url) return el('span', 'file', name);
    var a = el('a', 'file');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
    if (/^image\/(png|jpeg|gif|webp)$/.test(att.content_type || '')) {
      var img = el('img');
      img.src = url;
      img.alt = name;
      img.loading = 'lazy';
      a.className = 'image';
      a.appendChild(img);
    } else {
      a.setAttribute('download', name);
      a.appendChild(el('span', 'fname', name));
      if (att.size) a.appendChild(el('span', 'fsize', size(att.size)));
    }
    return a;
  }
  function order(node) { return Number(node.getAttribute('data-order')) || 0; }
  function place(node) {
    var k = order(node), kids = log.children;
    for (var i = kids.length - 1; i >= 0; i--) {
      if (order(kids[i]) <= k) { kids[i].after(node); return; }
    }
    log.prepend(node);
  }
  function bubble(m, mine) {
    var who = m.author_kind;
    var row = el('div', 'm ' + (mine ? 'me' : who === 'system' ? 'sys' : 'them'));
    if (!mine && who !== 'system' && m.author_name) row.appendChild(el('div', 'who', m.author_name));
    var b = el('div', 'bubble');
    if (m.text) linkify(b.appendChild(el('div', 'txt')), m.text);
    (m.attachments || []).forEach(function (a) { if (a && typeof a === 'object') b.appendChild(attachmentNode(a)); });
    row.appendChild(b);
    var meta = el('div', 'meta');
    meta.appendChild(el('time', null, time(m.created_at)));
    if (mine) meta.appendChild(el('span', 'st'));
    row.appendChild(meta);
    return row;
  }
  function setState(row, st, msg) {
    row.setAttribute('data-state', st);
    var s = row.querySelector('.st');
    if (s) s.textContent = msg || (st === 'read' ? t('read') : st === 'sending' ? t('sending') : '');
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function conv(id, info) {
    var c = S.convs[id];
    if (!c) c = S.convs[id] = { id: id, seq: 0, read: 0, readSent: 0, tried: {} };
    if (info) {
      if (info.status) c.status = info.status;
      if (info.agent_read_seq > c.read) c.read = info.agent_read_seq;
    }
    return c;
  }

  /* A message from the server (history, live event, or the ack of our own send), shown once. */
  function receive(m, live) {
    if (!m || !m.id || !m.conversation_id || S.shown[m.id]) return;
    var c = conv(m.conversation_id), seq = Number(m.seq) || 0;
    if (seq > c.seq + 1 && c.seq > 0 && !c.tried[c.seq]) {
      c.tried[c.seq] = true; // a gap: ask once for what is missing (private notes leave gaps for good)
      send({ type: 'subscribe', ref: ref(), conversations: [{ id: c.id, after_seq: c.seq }] });
    }
    if (seq > c.seq) c.seq = seq;
    var mine = m.author_kind === 'customer';
    var row = m.client_id && document.querySelector('[data-cid="' + CSS.escape(m.client_id) + '"]');
    if (row) {
      dropOutbox(m.client_id);
      var fresh = bubble(m, true);
      row.replaceWith(fresh);
      row = fresh;
    } else row = bubble(m, mine);
    S.shown[m.id] = row;
    row.setAttribute('data-id', m.id);
    row.setAttribute('data-conv', c.id);
    row.setAttribute('data-seq', seq);
    row.setAttribute('data-order', (Date.parse(m.created_at) || Date.now()) * 1000 + (seq % 1000));
    if (m.client_id) row.setAttribute('data-cid', m.client_id);
    if (row.parentNode) row.remove();
    place(row);
    var botView = window.SwitchboardBotView; // widget-bot.js: the bot's style, name and choices
    if (botView && !mine) botView.decorate(row, m, t, function (number) { queue(number, []); }, rate);
    if (botView) botView.retireBefore(log, c.id, seq);
    if (mine) setState(row, seq <= c.read ? 'read' : 'sent');
    else {
      if (m.author_kind === 'agent' && seq > c.read) { c.read = seq; readUpTo(c); } // a reply means read
      hideTyping();
      if (live && (!S.open || document.hidden)) {
        S.unread++;
        toParent({ type: 'unread', count: S.unread });
        toParent({ type: 'notify', title: t('new_message') });
      }
      scheduleRead();
    }
    showComposer();
    scrollDown();
  }

  function readUpTo(c) {
    var rows = log.querySelectorAll('.m.me[data-conv="' + CSS.escape(c.id) + '"]');
    for (var i = 0; i < rows.length; i++) {
      var seq = Number(rows[i].getAttribute('data-seq'));
      if (seq && seq <= c.read && rows[i].getAttribute('data-state') !== 'read') setState(rows[i], 'read');
    }
  }

  /* ---------- sending: the outbox survives reconnects and reloads ---------- */

  function persistOutbox() {
    save(OUT_KEY, S.outbox.length ? S.outbox.map(function (o) {
      return { client_id: o.client_id, text: o.text, attachments: o.attachments, prechat: o.prechat };
    }) : null);
  }
  function dropOutbox(cid) {
    S.outbox = S.outbox.filter(function (o) { return o.client_id !== cid; });
    persistOutbox();
  }
  function queue(textValue, attachments) {
    var o = { client_id: uid(), text: textValue, attachments: attachments || [] };
    if (!Object.keys(S.convs).length && S.prechat) o.prechat = S.prechat;
    S.outbox.push(o);
    persistOutbox();
    showPending(o);
    transmit(o);
  }
  function showPending(o) {
    var row = bubble({ text: o.text, attachments: o.attachments, author_kind: 'customer' }, true);
    row.setAttribute('data-cid', o.client_id);
    row.setAttribute('data-order', 9e18);
    setState(row, 'sending');
    log.appendChild(row);
    scrollDown();
  }
  function transmit(o) {
    if (!S.welcomed || o.paused) return;
    var f = { type: 'send', ref: 's:' + o.client_id, client_id: o.client_id, text: o.text || '' };
    if (o.attachments.length) f.attachments = o.attachments.map(function (a) { return a.id; });
    if (o.prechat) f.prechat = o.prechat;
    send(f);
  }
  function failed(o, msg) {
    dropOutbox(o.client_id);
    var row = document.querySelector('[data-cid="' + CSS.escape(o.client_id) + '"]');
    if (row) setState(row, 'failed', msg);
  }

  /* ---------- the socket ---------- */

  function ref() { return String(++S.refs); }
  function rate(id, rating) { return send({ type: 'rate', ref: ref(), message_id: id, rating: rating }); }
  function send(frame) {
    if (S.ws && S.ws.readyState === 1) { S.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function connect() {
    if (S.stopped) return;
    status('connecting');
    var ws;
    try { ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws', 'switchboard.v1'); }
    catch (e) { return reconnect(); }
    S.ws = ws;
    S.welcomed = false;
    ws.onopen = function () {
      var auth = { kind: 'visitor', channel: KEY, visitor_token: S.token || null };
      var s = S.settings;
      if (s.userId && s.userHash) auth.identity = { user_id: s.userId, hash: s.userHash, name: s.name, email: s.email };
      var hello = { type: 'hello', ref: 'hello', auth: auth, locale: LANG };
      if (S.page) hello.page = S.page;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (e) {
      S.heard = Date.now();
      var f;
      try { f = JSON.parse(e.data); } catch (x) { return; }
      if (f && typeof f.type === 'string') handle(f);
    };
    ws.onclose = function (e) {
      if (S.ws !== ws) return;
      S.ws = null;
      S.welcomed = false;
      if (e.code === 4403) return stop(t('origin_refused'));
      if (e.code === 4401 && S.identityRefused) return stop(t('identity_required'));
      reconnect();
    };
  }
  setInterval(function () { // the server pings every 25 s: silence for three means the line is dead
    if (S.ws && S.welcomed && Date.now() - S.heard > 80000) S.ws.close();
  }, 10000);
  function reconnect() {
    if (S.stopped) return;
    status('reconnecting');
    var delay = Math.min(30000, 500 * Math.pow(2, S.attempt++)) * (0.75 + Math.random() * 0.5);
    clearTimeout(S.retry);
    S.retry = setTimeout(connect, delay);
  }
  function stop(msg) {
    S.stopped = true;
    status('');
    notice(msg, 'bad');
    composer.hidden = true;
    form.hidden = true;
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome': return welcome(f);
      case 'event': return event(f);
      case 'ack': {
        if (f.message) receive(f.message, false);
        var o = S.outbox.filter(function (x) { return 's:' + x.client_id === f.ref; })[0];
        if (o) dropOutbox(o.client_id);
        if (f.conversation_id && !conv(f.conversation_id).subscribed) subscribe([f.conversation_id]);
        if (o && o.prechat) { S.prechat = null; save(PRE_KEY, null); }
        return;
      }
      case 'ping': return send({ type: 'pong', t: f.t });
      case 'error': return error(f);
    }
  }

  function welcome(f) {
    S.welcomed = true;
    S.attempt = 0;
    S.verified = !!f.verified;
    if (f.visitor_token) { S.token = f.visitor_token; save(TOKEN_KEY, S.token); }
    status(CFG.agents_online ? 'online' : '');
    var list = (f.conversations || []).slice().reverse();
    list.forEach(function (c) { conv(c.id, c); if (c.queue) showQueue(c.queue); });
    var ids = Object.keys(S.convs);
    if (ids.length) subscribe(ids);
    if (!ids.length && !S.outbox.length && (CFG.prechat_fields || []).length && !S.prechat) showForm();
    else showComposer();
    S.outbox.forEach(transmit);
    markRead();
  }
  function subscribe(ids) {
    send({ type: 'subscribe', ref: ref(), conversations: ids.map(function (id) {
      var c = conv(id);
      c.subscribed = true;
      return { id: id, after_seq: c.seq };
    }) });
  }

  function event(f) {
    var id = f.conversation_id;
    if (f.topic === 'message.created') return receive(f.message, true);
    if (f.topic === 'message.rated' && window.SwitchboardBotView) return window.SwitchboardBotView.rated(log, f);
    if (!id) return;
    var c = conv(id);
    if (f.topic === 'conversation.read' && f.by !== 'customer') {
      if (f.seq > c.read) c.read = f.seq;
      readUpTo(c);
    } else if (f.topic === 'queue') {
      showQueue(f);
    } else if (f.topic === 'conversation.updated' && f.conversation) {
      conv(id, f.conversation);
      if (f.conversation.assignee_name || f.conversation.status !== 'open') showQueue(null);
      readUpTo(c);
    } else if (f.topic === 'conversation.created') {
      if (!c.subscribed) subscribe([id]);
    } else if (f.topic === 'typing' && f.by && f.by.kind !== 'customer') {
      if (f.state === 'start') showTyping(f.by.name);
      else hideTyping();
    }
  }

  // While waiting for a person: the place in line and the estimated wait (docs/routing.md).
  function showQueue(q) {
    var el = $('queue'), mins = q && q.estimated_wait_seconds ? Math.max(1, Math.round(q.estimated_wait_seconds / 60)) : 0;
    el.hidden = !(q && q.position);
    if (!el.hidden) el.textContent = t(mins ? 'queue_wait' : 'queue_position', { n: q.position, m: mins });
  }

  function error(f) {
    var o = f.ref && S.outbox.filter(function (x) { return 's:' + x.client_id === f.ref; })[0];
    if (f.code === 'identity_invalid') {
      S.identityRefused = true;
      notice(t(CFG.require_identity ? 'identity_required' : 'identity_invalid'), 'warn');
      return;
    }
    if (f.code === 'origin_not_allowed') return stop(t('origin_refused'));
    if (f.code === 'unauthenticated' && f.ref === 'hello' && !S.identityRefused) return stop(t('unavailable'));
    if (!o) return;
    var fields = f.fields || {};
    if (f.code === 'validation_failed' && Object.keys(fields).some(function (k) { return k.indexOf('prechat.') === 0; })) {
      o.paused = true;
      showForm(fields);
    } else if (f.code === 'rate_limited' || f.code === 'internal') {
      setTimeout(function () { transmit(o); }, f.retry_after_ms || 2000);
    } else {
      failed(o, f.code === 'validation_failed' ? t('send_invalid') : t('send_failed'));
    }
  }

  /* ---------- typing and read receipts ---------- */

  function showTyping(name) {
    var n = $('typing');
    n.textContent = t('typing', { name: name || t('agent') });
    n.hidden = false;
    clearTimeout(S.theirTyping);
    S.theirTyping = setTimeout(hideTyping, 6000);
  }
  function hideTyping() { $('typing').hidden = true; clearTimeout(S.theirTyping); }
  function latestConv() {
    var best = null;
    for (var id in S.convs) if (!best || S.convs[id].seq >= best.seq) best = S.convs[id];
    return best;
  }
  function typing() {
    var c = latestConv();
    if (!c || !S.welcomed) return;
    var now = Date.now();
    if (text.value && now - S.typingAt > 2000) {
      S.typingAt = now;
      S.typingConv = c.id;
      send({ type: 'typing', conversation_id: c.id, state: 'start' });
    }
    clearTimeout(S.typingStop);
    S.typingStop = setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    clearTimeout(S.typingStop);
    if (!S.typingConv) return;
    send({ type: 'typing', conversation_id: S.typingConv, state: 'stop' });
    S.typingConv = null;
    S.typingAt = 0;
  }
  var readTimer = 0;
  function scheduleRead() { clearTimeout(readTimer); readTimer = setTimeout(markRead, 150); }
  function markRead() {
    if (!S.open || document.hidden || !S.welcomed) return;
    if (S.unread) { S.unread = 0; toParent({ type: 'unread', count: 0 }); }
    for (var id in S.convs) {
      var c = S.convs[id];
      if (c.seq > c.readSent) { c.readSent = c.seq; send({ type: 'read', conversation_id: id, seq: c.seq }); }
    }
  }

  /* ---------- the pre-chat form ---------- */

  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/, PHONE = /^\+?[0-9][0-9 ()-]{5,19}$/;
  function showForm(serverErrors) {
    S.needForm = true;
    composer.hidden = true;
    if (!form.firstChild) buildForm();
    form.hidden = false;
    var errs = {};
    for (var k in serverErrors || {}) errs[k.replace(/^prechat\./, '')] = serverErrors[k];
    formErrors(errs);
  }
  function buildForm() {
    form.appendChild(el('p', 'intro', t('prechat_intro')));
    var s = S.settings, known = { name: s.name, email: s.email };
    (CFG.prechat_fields || []).forEach(function (f) {
      var id = 'f-' + f.key, wrap = el('div', 'field'), label = el('label', null, f.label);
      label.htmlFor = id;
      if (f.required) label.appendChild(el('span', 'req', ' *'));
      var input;
      if (f.kind === 'select') {
        input = el('select');
        input.appendChild(el('option', null, t('choose'))).value = '';
        (f.options || []).forEach(function (o) { input.appendChild(el('option', null, o)).value = o; });
      } else if (f.kind === 'textarea') {
        input = el('textarea');
        input.rows = 3;
      } else {
        input = el('input');
        input.type = f.kind === 'email' ? 'email' : f.kind === 'phone' ? 'tel' : 'text';
        if (f.kind === 'name' || f.kind === 'email') input.autocomplete = f.kind;
        if (f.kind === 'phone') input.autocomplete = 'tel';
      }
      input.id = id;
      input.name = f.key;
      input.maxLength = f.kind === 'textarea' ? 2000 : 200;
      if (f.required) input.setAttribute('aria-required', 'true');
      if (known[f.kind]) input.value = known[f.kind];
      wrap.appendChild(label);
      wrap.appendChild(input);
      wrap.appendChild(el('div', 'ferr')).id = id + '-err';
      form.appendChild(wrap);
    });
    var b = el('button', 'primary', t('start'));
    b.type = 'submit';
    b.id = 'prechat-submit';
    form.appendChild(b);
  }
  function formErrors(errs) {
    var first = null;
    (CFG.prechat_fields || []).forEach(function (f) {
      var input = $('f-' + f.key), box = $('f-' + f.key + '-err');
      box.textContent = errs[f.key] || '';
      input.setAttribute('aria-invalid', errs[f.key] ? 'true' : 'false');
      if (errs[f.key] && !first) first = input;
    });
    if (first) first.focus();
    return !first;
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var answers = {}, errs = {};
    (CFG.prechat_fields || []).forEach(function (f) {
      var v = $('f-' + f.key).value.trim();
      if (!v) { if (f.required) errs[f.key] = t('required'); return; }
      if (f.kind === 'email' && !EMAIL.test(v)) errs[f.key] = t('invalid_email');
      else if (f.kind === 'phone' && !PHONE.test(v)) errs[f.key] = t('invalid_phone');
      answers[f.key] = v;
    });
    if (!formErrors(errs)) return;
    S.prechat = answers;
    save(PRE_KEY, answers);
    S.outbox.forEach(function (o) {
      if (o.paused) { o.paused = false; o.prechat = answers; transmit(o); }
    });
    persistOutbox();
    S.needForm = false;
    form.hidden = true;
    showComposer();
    text.focus();
  });
  function showComposer() {
    if (S.needForm || S.stopped) return;
    form.hidden = true;
    composer.hidden = false;
  }

  /* ---------- composer and uploads ---------- */

  function submitText() {
    var v = text.value.trim();
    if (!v) return;
    if (v.length > 10000) return showError(t('too_long'));
    text.value = '';
    grow();
    stopTyping();
    queue(v, []);
  }
  function grow() {
    text.style.height = 'auto';
    text.style.height = Math.min(text.scrollHeight, 120) + 'px';
    text.style.overflowY = text.scrollHeight > 120 ? 'auto' : 'hidden';
  }
  composer.addEventListener('submit', function (e) { e.preventDefault(); submitText(); });
  text.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submitText(); }
  });
  text.addEventListener('input', function () { grow(); typing(); });
  fileInput.addEventListener('change', function () {
    var files = Array.prototype.slice.call(fileInput.files || []);
    fileInput.value = '';
    files.forEach(upload);
  });
  text.addEventListener('paste', function (e) {
    var items = (e.clipboardData && e.clipboardData.items) || [], found = false;
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === 'file') {
        var f = items[i].getAsFile();
        if (f) { found = true; upload(f); }
      }
    }
    if (found) e.preventDefault();
  });
  log.addEventListener('dragover', function (e) { e.preventDefault(); });
  log.addEventListener('drop', function (e) {
    e.preventDefault();
    if (!composer.hidden) Array.prototype.forEach.call(e.dataTransfer.files || [], upload);
  });

  function upload(file) {
    if (!S.token) return showError(t('not_connected'));
    var max = CFG.upload_max_bytes || 10485760;
    if (file.size > max) return showError(t('too_large', { max: size(max) }));
    var name = file.name || 'image.' + ((file.type || '').split('/')[1] || 'png');
    var row = el('div', 'm me uploading');
    row.appendChild(el('div', 'bubble', t('uploading', { name: name })));
    row.setAttribute('data-order', 9e18);
    log.appendChild(row);
    scrollDown();
    fetch('/widget/' + encodeURIComponent(KEY) + '/attachments?name=' + encodeURIComponent(name), {
      method: 'POST',
      headers: { 'Authorization': 'Visitor ' + S.token, 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
      credentials: 'omit'
    }).then(function (r) {
      if (r.status === 201) return r.json();
      throw r.status;
    }).then(function (att) {
      row.remove();
      queue('', [att]);
    }).catch(function (code) {
      row.remove();
      showError(code === 413 ? t('too_large', { max: size(max) }) : code === 422 ? t('bad_type', { name: name })
        : t('upload_failed'));
    });
  }

  /* ---------- the host page ---------- */

  window.addEventListener('message', function (e) {
    if (!framed || e.origin !== HOST || e.source !== window.parent) return;
    var d = e.data;
    if (!d || d.sb !== 1) return;
    if (d.type === 'init') {
      var s = d.settings || {};
      ['userId', 'userHash', 'name', 'email'].forEach(function (k) {
        if (typeof s[k] === 'string' && s[k].length <= 500) S.settings[k] = s[k];
      });
      if (d.page && typeof d.page.url === 'string') {
        S.page = { url: d.page.url.slice(0, 2000), title: String(d.page.title || '').slice(0, 300) };
      }
      S.open = !!d.open;
      start();
    } else if (d.type === 'open') {
      S.open = true;
      markRead();
      if (!composer.hidden) text.focus();
    } else if (d.type === 'close') {
      S.open = false;
      stopTyping();
    }
  });
  document.addEventListener('visibilitychange', markRead);
  window.addEventListener('focus', markRead);
  window.addEventListener('online', function () { if (!S.ws && !S.stopped) { clearTimeout(S.retry); connect(); } });
  $('close').addEventListener('click', function () { toParent({ type: 'close' }); });
  $('close').hidden = !framed;

  function start() {
    if (S.started) return;
    S.started = true;
    (load(OUT_KEY) || []).forEach(function (o) {
      if (!o || typeof o.client_id !== 'string') return;
      o.attachments = Array.isArray(o.attachments) ? o.attachments : [];
      S.outbox.push(o);
      showPending(o);
    });
    connect();
  }

  var accent = CFG.color;
  if (/^#[0-9a-fA-F]{6}$/.test(accent || '')) document.documentElement.style.setProperty('--accent', accent);
  $('greeting').textContent = (CFG.agents_online ? CFG.greeting : CFG.offline_message || CFG.greeting) || '';
  $('greeting').hidden = !$('greeting').textContent;
  if (framed) {
    toParent({ type: 'ready' });
    setTimeout(function () { // no answer from the host page: chat anonymously all the same
      if (!S.started) { S.open = true; start(); }
    }, 3000);
  } else start();
})();
