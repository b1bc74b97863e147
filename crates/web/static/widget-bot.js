/* The FAQ bot's messages in the widget's chat page (docs/widget.md, "The bot answers first"): the
 * bot's style and name, its "did you mean" choices as buttons that send the choice's number
 * (the bot understands numbers), 👍/👎 under its answers (docs/bot.md, "Feedback"; the customer
 * may change their mind) and the sources of a generated answer. Loaded before widget-frame.js,
 * which calls it for every message; text reaches the page through textContent only. */
(function () {
  'use strict';

  function choiceButtons(message, t, choose) {
    var bot = message.bot;
    var choices = bot && bot.kind === 'clarify' && Array.isArray(bot.choices) ? bot.choices : [];
    choices = choices.filter(function (c) { return c && typeof c.question === 'string' && c.question; });
    if (!choices.length) return null;
    var group = document.createElement('div');
    group.className = 'choices';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', t('assist.widget.choices'));
    choices.forEach(function (choice, i) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'choice';
      button.setAttribute('data-number', String(i + 1));
      button.textContent = (i + 1) + '. ' + choice.question;
      button.addEventListener('click', function () {
        if (button.disabled) return;
        retire(group);
        button.classList.add('chosen');
        choose(String(i + 1));
      });
      group.appendChild(button);
    });
    return group;
  }

  function retire(group) {
    var buttons = group.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    group.classList.add('done');
  }

  /** The sources a generated answer cites, as "[n] title" (a link when it has a local address). */
  function sources(message, t) {
    var list = message.bot && Array.isArray(message.bot.sources) ? message.bot.sources : [];
    list = list.filter(function (s) { return s && typeof s.title === 'string' && s.title; });
    if (!list.length) return null;
    var box = document.createElement('div');
    box.className = 'sources';
    box.appendChild(document.createTextNode(t('botfb.widget.sources')));
    list.forEach(function (s) {
      var url = typeof s.url === 'string' && /^\/[^/\\]/.test(s.url) ? s.url : null;
      var item = document.createElement(url ? 'a' : 'span');
      item.className = 'source';
      if (url) { item.href = url; item.target = '_blank'; item.rel = 'noopener'; }
      item.textContent = '[' + Number(s.n) + '] ' + s.title;
      box.appendChild(item);
    });
    return box;
  }

  function showRating(box, rating) {
    var buttons = box.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute('aria-pressed', String(buttons[i].getAttribute('data-rating') === rating));
    }
    box.setAttribute('data-rated', rating || '');
  }

  /** 👍/👎 under an answer; `rate(id, rating)` sends it and says whether it could. */
  function ratingButtons(message, t, rate) {
    var bot = message.bot;
    if (!bot || bot.kind !== 'answer' || !rate) return null;
    var box = document.createElement('div');
    box.className = 'rate';
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', t('botfb.widget.helpful'));
    [['up', '👍', 'botfb.widget.up'], ['down', '👎', 'botfb.widget.down']].forEach(function (r) {
      var button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('data-rating', r[0]);
      button.title = t(r[2]);
      button.setAttribute('aria-label', t(r[2]));
      button.textContent = r[1];
      button.addEventListener('click', function () {
        if (box.getAttribute('data-rated') === r[0]) return;
        if (rate(String(message.id), r[0])) showRating(box, r[0]);
      });
      box.appendChild(button);
    });
    showRating(box, bot.rating === 'up' || bot.rating === 'down' ? bot.rating : '');
    return box;
  }

  window.SwitchboardBotView = {
    /** A `message.rated` event: the rating shown under that answer (also one given in another tab). */
    rated: function (log, f) {
      var box = log.querySelector('.m[data-id="' + CSS.escape(String(f.message_id)) + '"] .rate');
      if (box && (f.rating === 'up' || f.rating === 'down')) showRating(box, f.rating);
    },
    /** Marks a bot message's row and adds its choices, sources and rating buttons; `choose(number)`
     * sends the customer's pick, `rate(id, rating)` their rating. */
    decorate: function (row, message, t, choose, rate) {
      if (!message || message.author_kind !== 'bot') return;
      row.classList.add('bot');
      if (!row.querySelector('.who')) {
        var who = document.createElement('div');
        who.className = 'who';
        who.textContent = t('assist.widget.bot');
        row.insertBefore(who, row.firstChild);
      }
      var meta = row.querySelector('.meta');
      [choiceButtons(message, t, choose), sources(message, t), ratingButtons(message, t, rate)].forEach(function (part) {
        if (part) row.insertBefore(part, meta);
      });
    },
    /** Choices of earlier messages of conversation `conv` (before `seq`) can no longer be picked. */
    retireBefore: function (log, conv, seq) {
      var groups = log.querySelectorAll('.m.bot .choices:not(.done)');
      for (var i = 0; i < groups.length; i++) {
        var row = groups[i].closest('.m');
        if (row.getAttribute('data-conv') === conv && Number(row.getAttribute('data-seq')) < seq) retire(groups[i]);
      }
    }
  };
})();
