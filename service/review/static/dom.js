// Building DOM nodes without ever parsing markup: strings become text nodes (textContent).

/**
 * Create an element. `attrs` values: strings/numbers set attributes, `on*` functions become
 * listeners, `dataset` is an object, `hidden`/`disabled`/`checked`/`value` set properties.
 * Children: nodes, or strings (appended as text nodes), null/false skipped, arrays flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (["hidden", "disabled", "checked", "value", "selected"].includes(name)) {
      el[name] = value;
    } else if (name === "className") {
      el.className = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}
