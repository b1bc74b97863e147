// Settings → Channels: keeps the colour picker and its text box in step. The form works without
// this file (the server takes whichever of the two was changed).
const picker = document.getElementById("f-color_pick");
const text = document.getElementById("f-color");
if (picker && text) {
  picker.addEventListener("input", () => { text.value = picker.value; });
  text.addEventListener("input", () => {
    const value = text.value.trim();
    if (/^#[0-9a-fA-F]{6}$/.test(value)) picker.value = value.toLowerCase();
  });
}
