// A small Markdown renderer for changelogs that builds DOM nodes, never HTML text: headings,
// paragraphs, bullet and numbered lists, fenced code, inline `code`, **bold**, *italic* and
// [links](https://…) (http, https and mailto only). Raw HTML in the input stays text.
import { h } from './dom.js';

// Underscores only emphasise whole words, so snake_case names stay as they are.
const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*|(?<!\w)__[^_]+__(?!\w))|(\*[^*\s][^*]*\*|(?<!\w)_[^_\s][^_]*_(?!\w))|(\[[^\]]+\]\([^)\s]+\))/;

function safeHref(url) {
  try {
    const parsed = new URL(url, window.location.origin);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function inline(text) {
  const nodes = [];
  let rest = text;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      nodes.push(rest);
      break;
    }
    if (match.index > 0) nodes.push(rest.slice(0, match.index));
    const [token] = match;
    if (match[1]) {
      nodes.push(h('code', {}, token.slice(1, -1)));
    } else if (match[2]) {
      nodes.push(h('strong', {}, inline(token.slice(2, -2))));
    } else if (match[3]) {
      nodes.push(h('em', {}, inline(token.slice(1, -1))));
    } else {
      const [, label, url] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      const href = safeHref(url);
      nodes.push(href ? h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, inline(label)) : token);
    }
    rest = rest.slice(match.index + token.length);
  }
  return nodes;
}

// The rendered Markdown as a <div class="markdown">.
export function renderMarkdown(text) {
  const root = h('div', { class: 'markdown' });
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) root.append(h('p', {}, inline(paragraph.join(' '))));
    paragraph = [];
    list = null;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const code = [];
      for (i += 1; i < lines.length && !/^\s*```/.test(lines[i]); i += 1) code.push(lines[i]);
      root.append(h('pre', {}, h('code', {}, code.join('\n'))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      // Changelog headings sit under the page's own: start at h4.
      root.append(h(`h${Math.min(6, heading[1].length + 3)}`, {}, inline(heading[2])));
    } else if (bullet || numbered) {
      const tag = bullet ? 'ul' : 'ol';
      if (paragraph.length) flush();
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag, {});
        root.append(list);
      }
      list.append(h('li', {}, inline((bullet ?? numbered)[1])));
    } else if (!line.trim()) {
      flush();
    } else if (list && /^\s{2,}\S/.test(line)) {
      list.lastChild.append(' ', ...inline(line.trim()));
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return root;
}
