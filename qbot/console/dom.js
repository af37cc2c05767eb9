// The one way the console makes elements: text goes in as text, never as HTML.

export function el(tag, parent, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}
