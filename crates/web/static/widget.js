/* Switchboard chat widget loader (docs/widget.md). Vanilla JS, no dependencies.
 * Embed: <script src="https://SWITCHBOARD/widget.js" data-channel="wc_..." async></script>
 * Defines nothing global but window.Switchboard; sets no cookies and no storage on the host site;
 * its styles live in a shadow root. The chat itself runs in an iframe served by Switchboard. */
(function () {
  'use strict';
  if (window.Switchboard) return;
  var script = document.currentScript || document.querySelector('script[data-channel][src*="/widget.js"]');
  if (!script) return;
  var key = script.getAttribute('data-channel') || '';
  var base;
  try { base = new URL(script.src, location.href).origin; } catch (e) { return; }
  var S = { cfg: null, open: false, hidden: false, frame: null, ready: false, unread: 0, flash: 0, title: '', audio: null };
  var host, root, launcher, badge;

  function warn(text) { if (window.console) console.warn('Switchboard: ' + text); }
  function post(msg) {
    if (S.frame && S.ready && S.frame.contentWindow) { msg.sb = 1; S.frame.contentWindow.postMessage(msg, base); }
  }

  var CSS = ':host{all:initial}' +
    '.l{all:initial;position:fixed;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;cursor:pointer;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;z-index:2147483000}' +
    '.l:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 5px rgba(0,0,0,.5)}' +
    '.l svg{width:28px;height:28px;fill:none;stroke:#fff;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}' +
    '.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;' +
    'background:#d93025;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}' +
    '.f{all:initial;position:fixed;bottom:88px;right:20px;width:370px;height:600px;max-height:calc(100vh - 108px);' +
    'border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483001;background:#fff}' +
    '.left .l,.left .f{right:auto;left:20px}[hidden]{display:none!important}' +
    '@media (max-width:480px){.f{top:0;left:0;right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}' +
    '.open .l{display:none}}';
  var ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z"/><path d="M8 9.5h8M8 12.5h5"/></svg>';
  var ICON_CLOSE = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';

  function style(target) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      target.adoptedStyleSheets = [sheet]; // not subject to the host page's style-src
    } catch (e) {
      var el = document.createElement('style');
      el.textContent = CSS;
      target.appendChild(el);
    }
  }

  function build(cfg) {
    host = document.createElement('switchboard-widget');
    host.style.cssText = 'all:initial;position:static';
    root = host.attachShadow({ mode: 'open' });
    style(root);
    var wrap = document.createElement('div');
    wrap.className = cfg.position === 'left' ? 'left' : 'right';
    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'l';
    launcher.setAttribute('part', 'launcher');
    launcher.setAttribute('aria-label', cfg.name || 'Chat');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.style.background = /^#[0-9a-fA-F]{6}$/.test(cfg.color || '') ? cfg.color : '#1f6feb';
    launcher.innerHTML = ICON_CHAT; // a constant: no data goes through innerHTML
    badge = document.createElement('span');
    badge.className = 'b';
    badge.hidden = true;
    launcher.appendChild(badge);
    launcher.addEventListener('click', function () { unlockAudio(); toggle(); });
    wrap.appendChild(launcher);
    root.appendChild(wrap);
    (document.body || document.documentElement).appendChild(host);
    S.wrap = wrap;
  }

  /* The iframe is created on the first open, then kept (hidden while closed) so replies during this
   * page view still reach the badge, the title and the sound. Creating it for every page view would
   * open a socket and a visitor record for every visitor of the site, most of whom never chat. */
  function frame() {
    if (S.frame) return S.frame;
    var f = document.createElement('iframe');
    f.className = 'f';
    f.title = S.cfg.name || 'Chat';
    f.hidden = true;
    f.src = base + '/widget/' + encodeURIComponent(key) + '?origin=' + encodeURIComponent(location.origin) +
      '&lang=' + encodeURIComponent(navigator.language || '');
    S.wrap.appendChild(f);
    S.frame = f;
    return f;
  }

  function settings() {
    var s = window.SwitchboardSettings || {};
    var pick = function (v) { return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined; };
    return { userId: pick(s.userId), userHash: pick(s.userHash), name: pick(s.name), email: pick(s.email) };
  }

  function onMessage(e) {
    if (e.origin !== base || !S.frame || e.source !== S.frame.contentWindow) return;
    var d = e.data;
    if (!d || d.sb !== 1 || typeof d.type !== 'string') return;
    if (d.type === 'ready') {
      S.ready = true;
      post({ type: 'init', settings: settings(), page: { url: location.href, title: S.title || document.title }, open: S.open });
    } else if (d.type === 'close') {
      close();
    } else if (d.type === 'unread') {
      if (!S.open) setUnread(Math.max(0, parseInt(d.count, 10) || 0));
    } else if (d.type === 'notify' && !S.open) {
      flashTitle(String(d.title || '').slice(0, 80));
      beep();
    }
  }

  function setUnread(n) {
    S.unread = n;
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = n === 0;
  }

  function flashTitle(text) {
    if (S.flash || !text) return;
    S.title = document.title;
    var on = false;
    S.flash = setInterval(function () {
      on = !on;
      document.title = on ? '(' + (S.unread || 1) + ') ' + text : S.title;
    }, 1000);
  }
  function stopFlash() {
    if (!S.flash) return;
    clearInterval(S.flash);
    S.flash = 0;
    document.title = S.title;
    S.title = '';
  }

  function unlockAudio() {
    try {
      var A = window.AudioContext || window.webkitAudioContext;
      if (!S.audio && A) S.audio = new A();
      if (S.audio && S.audio.state === 'suspended') S.audio.resume();
    } catch (e) { S.audio = null; }
  }
  function beep() {
    var a = S.audio;
    if (!a) return;
    try {
      var now = a.currentTime, o = a.createOscillator(), g = a.createGain();
      o.type = 'sine';
      o.frequency.setValueAtTime(880, now);
      o.frequency.setValueAtTime(660, now + 0.12);
      g.gain.setValueAtTime(0.0001, now);
      g.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
      o.connect(g);
      g.connect(a.destination);
      o.start(now);
      o.stop(now + 0.32);
    } catch (e) { /* sound is a nicety */ }
  }

  function open() {
    if (!S.cfg) { S.later = open; return; }
    if (S.hidden) return;
    var f = frame();
    S.open = true;
    f.hidden = false;
    S.wrap.classList.add('open');
    launcher.innerHTML = ICON_CLOSE;
    launcher.appendChild(badge);
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    stopFlash();
    post({ type: 'open' });
  }
  function close() {
    if (!S.cfg) { S.later = null; return; }
    S.open = false;
    if (S.frame) S.frame.hidden = true;
    S.wrap.classList.remove('open');
    launcher.innerHTML = ICON_CHAT;
    launcher.appendChild(badge);
    launcher.setAttribute('aria-expanded', 'false');
    post({ type: 'close' });
    if (!S.hidden) launcher.focus();
  }
  function toggle() { if (S.open) close(); else open(); }
  function hide() { if (!S.cfg) { S.later = hide; return; } close(); S.hidden = true; host.style.display = 'none'; }
  function show() { if (!S.cfg) { S.later = null; return; } S.hidden = false; host.style.display = ''; }

  window.Switchboard = {
    open: open,
    close: close,
    toggle: toggle,
    hide: hide,
    show: show,
    unread: function () { return S.unread; }
  };

  if (!/^wc_[A-Za-z0-9_-]{1,100}$/.test(key)) { warn('missing or malformed data-channel on the widget script'); return; }
  window.addEventListener('message', onMessage);
  fetch(base + '/widget/' + encodeURIComponent(key) + '/config', { mode: 'cors', credentials: 'omit' })
    .then(function (r) {
      if (r.status === 403) throw new Error('this website (' + location.origin + ') is not an allowed origin of channel ' + key);
      if (r.status === 404) throw new Error('no active chat channel ' + key);
      if (!r.ok) throw new Error('configuration unavailable (HTTP ' + r.status + ')');
      return r.json();
    })
    .then(function (cfg) {
      var start = function () { build(cfg); S.cfg = cfg; if (S.later) S.later(); };
      if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
    })
    .catch(function (e) {
      // A refusal without CORS headers, or no answer at all, looks the same from here.
      warn(e instanceof TypeError ? 'no configuration from ' + base + ' for channel ' + key +
        ': is this website (' + location.origin + ') one of its allowed origins, and is the server reachable?' : e.message);
    });
})();
