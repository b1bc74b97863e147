// Desktop notifications and a short beep for new conversations and customer messages. Browsers
// allow both only after a user gesture: permission is asked from a button, and the audio context
// starts on the first click or key press.

import { $, t } from "./ws-dom.js";

const SOUND_KEY = "sb.workspace.sound";

export class Notifier {
  constructor() {
    this.audio = null;
    this.soundOn = window.localStorage.getItem(SOUND_KEY) !== "off";
    this.button = $("ws-notify-enable");
    this.soundButton = $("ws-sound-toggle");
    const supported = "Notification" in window;
    this.button.hidden = !supported || Notification.permission !== "default";
    this.button.addEventListener("click", () => {
      Notification.requestPermission().then(() => {
        this.button.hidden = Notification.permission !== "default";
      });
    });
    this.soundButton.addEventListener("click", () => {
      this.soundOn = !this.soundOn;
      window.localStorage.setItem(SOUND_KEY, this.soundOn ? "on" : "off");
      this.renderSound();
      if (this.soundOn) this.beep();
    });
    this.renderSound();
    const unlock = () => this.unlockAudio();
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
  }

  renderSound() {
    this.soundButton.textContent = this.soundOn ? t("ws.sound.on") : t("ws.sound.off");
    this.soundButton.setAttribute("aria-pressed", String(this.soundOn));
  }

  unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!this.audio) this.audio = new Context();
    if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
  }

  /** Two short tones (no audio file needed). */
  beep() {
    if (!this.soundOn || !this.audio || this.audio.state !== "running") return;
    const now = this.audio.currentTime;
    [880, 1175].forEach((frequency, i) => {
      const oscillator = this.audio.createOscillator();
      const gain = this.audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      const start = now + i * 0.13;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.12);
      oscillator.connect(gain).connect(this.audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.13);
    });
  }

  /** Beeps, and when the tab is hidden shows a desktop notification that opens the conversation. */
  alert(title, body, tag, onClick) {
    this.beep();
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const notification = new Notification(title, { body: String(body || "").slice(0, 180), tag, renotify: true });
      notification.onclick = () => {
        window.focus();
        onClick();
        notification.close();
      };
    } catch (_) {
      // Some browsers allow notifications only from a service worker.
    }
  }
}
