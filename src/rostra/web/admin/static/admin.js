// The dashboard's only script: keyboard shortcuts and "select all". Pages work without it.
(() => {
  const items = () => [...document.querySelectorAll(".queue .item")];
  let current = -1;
  const focus = (index) => {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, index));
    list.forEach((el, i) => el.classList.toggle("current", i === current));
    list[current].focus();
  };
  const press = (name) => {
    const item = items()[current];
    const button = item && item.querySelector(`button.${name}`);
    if (button) button.click();
  };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target instanceof HTMLElement && target.matches("input, textarea, select")) return;
    const actions = {
      j: () => focus(current + 1),
      k: () => focus(current - 1),
      x: () => {
        const box = items()[current]?.querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
      },
      a: () => press("approve"),
      r: () => press("reject"),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll(".queue input[name=ids]")) box.checked = all.checked;
    });
  }
})();
