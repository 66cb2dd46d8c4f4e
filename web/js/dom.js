// The one way this page makes elements: text goes in through textContent, never as HTML, so
// nothing from the data or the user can become markup.

/**
 * el('button', {class: 'x', onclick: f, 'aria-label': '…'}, 'text', child, …)
 * Strings among the children become text nodes; attributes starting with "on" become listeners.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

// What identifies a control across re-renders (the panels are rebuilt after each change).
function focusKey(node) {
  if (node.id) return `#${CSS.escape(node.id)}`;
  const legend = node.closest('[data-legend]')?.dataset.legend;
  for (const attr of ['data-layer', 'data-category', 'data-export', 'data-colour-by']) {
    if (!node.hasAttribute(attr)) continue;
    const own = `[${attr}="${CSS.escape(node.getAttribute(attr))}"]`;
    return legend && attr === 'data-category' ? `[data-legend="${CSS.escape(legend)}"] ${own}` : own;
  }
  return null;
}

/** Runs `render` and gives the focus back to the same control, so keyboard users keep their place. */
export function keepFocus(render) {
  const active = document.activeElement;
  const key = active && active !== document.body ? focusKey(active) : null;
  render();
  if (key && document.activeElement !== active) document.querySelector(key)?.focus();
}
