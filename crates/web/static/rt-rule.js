// The rule editor's condition builder: each row shows only the fields its kind reads, "Add a
// condition" copies the blank row template (numbered after the last row, `c_count` raised), and
// "Remove" takes a row out. The form works without this file (all fields shown, rows added by a
// round trip to the server).

const list = document.getElementById("rt-conditions");
const template = document.getElementById("rt-condition-template");
const count = document.getElementById("c-count");
const add = document.getElementById("add-condition");

/** Shows the parts of `row` its kind uses. */
function showParts(row) {
  const select = row.querySelector(".rt-kind");
  const kind = select ? select.value : "";
  for (const part of row.querySelectorAll(".rt-part")) {
    part.hidden = !(part.dataset.for || "").split(" ").includes(kind);
  }
}

/** Replaces the checkbox "remove" with a button that takes the row out of the form. */
function wire(row) {
  const select = row.querySelector(".rt-kind");
  if (select) select.addEventListener("change", () => showParts(row));
  const remove = row.querySelector(".rt-remove");
  if (remove) {
    const label = remove.textContent.trim();
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small danger-ghost rt-remove-button";
    button.textContent = label;
    button.addEventListener("click", () => row.remove());
    remove.replaceWith(button);
  }
  showParts(row);
}

/** Renames a copied row's fields from row 0 to row `n`. */
function renumber(row, n) {
  row.id = "c-row-" + n;
  row.dataset.row = String(n);
  for (const node of row.querySelectorAll("[name], [id], [for], [aria-describedby]")) {
    for (const attribute of ["name", "id", "for", "aria-describedby"]) {
      const value = node.getAttribute(attribute);
      if (value) node.setAttribute(attribute, value.replace(/(^|-)c0\./, "$1c" + n + "."));
    }
  }
}

if (list && template && count && add) {
  for (const row of list.querySelectorAll(".rt-condition")) wire(row);
  add.addEventListener("click", (event) => {
    event.preventDefault();
    const n = Number(count.value) || 0;
    const copy = template.content.firstElementChild.cloneNode(true);
    renumber(copy, n);
    count.value = String(n + 1);
    list.append(copy);
    wire(copy);
    const select = copy.querySelector(".rt-kind");
    if (select) select.focus();
  });
}
