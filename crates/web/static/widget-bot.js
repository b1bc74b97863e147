/* The FAQ bot's messages in the widget's chat page (docs/widget.md, "The bot answers first"): the
 * bot's style and name, and its "did you mean" choices as buttons that send the choice's number
 * (the bot understands numbers). Loaded before widget-frame.js, which calls it for every message;
 * text reaches the page through textContent only. */
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

  window.SwitchboardBotView = {
    /** Marks a bot message's row and adds its choices; `choose(number)` sends the customer's pick. */
    decorate: function (row, message, t, choose) {
      if (!message || message.author_kind !== 'bot') return;
      row.classList.add('bot');
      if (!row.querySelector('.who')) {
        var who = document.createElement('div');
        who.className = 'who';
        who.textContent = t('assist.widget.bot');
        row.insertBefore(who, row.firstChild);
      }
      var group = choiceButtons(message, t, choose);
      if (group) {
        var meta = row.querySelector('.meta');
        row.insertBefore(group, meta);
      }
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
