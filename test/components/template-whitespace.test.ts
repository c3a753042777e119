import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { CollapsedTemplate } from './template-whitespace-plugin.js';

/*
 * The widget build collapses whitespace in the Lit templates (vite.config.ts,
 * for the 20 KB budget). These tests hold it to "no difference the browser can
 * see": CSS through the CSSOM, HTML through the HTML parser, on every template
 * of the real widget.
 */

const collapseCss = (text: string) => executeServerCommand<string, { text: string }>('collapse-css', { text });
const collapseHtml = (text: string) => executeServerCommand<string, { text: string }>('collapse-html', { text });
const collapseModule = async (code: string) => (await executeServerCommand<{ code: string | null }, { code: string }>('collapse-module', { code })).code;

/** The rules as the browser reads them. */
function cssom(text: string): string[] {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text);
  return [...sheet.cssRules].map((rule) => rule.cssText);
}

/** A marker where Lit would put a part: in text, in an attribute value, anywhere. */
const PART = 'lf-part';

/**
 * The template as the HTML parser builds it: elements with their attributes
 * exactly, text with each run of whitespace read as one space (how HTML renders it).
 */
function dom(strings: string[]): string {
  const template = document.createElement('template');
  template.innerHTML = strings.join(PART);
  const describe = (node: Node): string => {
    if (node instanceof Element) {
      const attributes = [...node.attributes].map((a) => `${a.name}=${JSON.stringify(a.value)}`).join(' ');
      const children = [...(node instanceof HTMLTemplateElement ? node.content : node).childNodes].map(describe).join('');
      return `<${node.localName} ${attributes}>${children}</${node.localName}>`;
    }
    if (node.nodeType === Node.TEXT_NODE) return node.textContent!.replace(/\s+/g, ' ');
    return `<!--${node.textContent}-->`;
  };
  return [...template.content.childNodes].map(describe).join('').replace(/ +/g, ' ');
}

describe('template whitespace collapsing (widget build)', () => {
  it('leaves every CSS rule of the widget as the browser reads it, in less text', async () => {
    const widget = (await executeServerCommand<CollapsedTemplate[], undefined>('collapse-widget')).filter((t) => t.tag === 'css');
    expect(widget.length).to.be.greaterThan(0);
    for (const { file, before, after } of widget) {
      expect(cssom(after.join('')), file).to.deep.equal(cssom(before.join('')));
      expect(after.join('').length, file).to.be.lessThan(before.join('').length);
    }
  });

  it('leaves every HTML template of the widget as the parser builds it', async () => {
    const widget = (await executeServerCommand<CollapsedTemplate[], undefined>('collapse-widget')).filter((t) => t.tag === 'html');
    expect(widget.length).to.be.greaterThan(30);
    for (const { file, before, after } of widget) {
      expect(after.length, file).to.equal(before.length);
      expect(dom(after), file).to.equal(dom(before));
      expect(after.join(''), file).not.to.contain('\n');
    }
  });

  it('keeps the space of a descendant combinator before a pseudo-class', async () => {
    const collapsed = await collapseCss(':where(login-flow)\n  :where(.a)   >  b:hover {\n  color : red ;\n}');
    expect(collapsed).to.equal(':where(login-flow) :where(.a)>b:hover{color :red}');
    expect(cssom(collapsed)).to.deep.equal(cssom(':where(login-flow) :where(.a) > b:hover { color: red; }'));
  });

  it('drops comments but keeps quoted strings exactly as written', async () => {
    const text = "a::before {\n  /* why */\n  content: 'x ;  { y }';\n  font-family: \"SF  Mono\", monospace;\n}";
    const collapsed = await collapseCss(text);
    expect(collapsed).to.equal("a::before{content:'x ;  { y }';font-family:\"SF  Mono\", monospace}");
    expect(cssom(collapsed)).to.deep.equal(cssom(text));
  });

  it('keeps the spaces calc() needs around + and -', async () => {
    const collapsed = await collapseCss('a {\n  width: calc(100% - 2 * var(--x, 1rem));\n}');
    expect(collapsed).to.equal('a{width:calc(100% - 2 * var(--x, 1rem))}');
    expect(cssom(collapsed)).to.deep.equal(cssom('a { width: calc(100% - 2 * var(--x, 1rem)); }'));
  });

  it('makes each run of HTML whitespace holding a line break one space, and leaves other spaces alone', async () => {
    expect(await collapseHtml('<p class="a">\n    Hello,  world\n  </p>\n\n  <input\n    name="x"\n    required\n  />')).to.equal(
      '<p class="a"> Hello,  world </p> <input name="x" required />',
    );
  });

  it('rewrites only html and css literals of a module, nested ones included', async () => {
    const code = [
      'const view = html`<div>\n  ${ok ? html`<b>\n  yes</b>` : nothing}\n</div>`;',
      'const styles = css`a {\n  color: red;\n}`;',
      'const text = `keep\n   this`;',
      "const other = svg`<g>\n  </g>`;",
    ].join('\n');
    expect(await collapseModule(code)).to.equal(
      [
        'const view = html`<div> ${ok ? html`<b> yes</b>` : nothing} </div>`;',
        'const styles = css`a{color:red}`;',
        'const text = `keep\n   this`;',
        "const other = svg`<g>\n  </g>`;",
      ].join('\n'),
    );
  });

  it('leaves a literal part with a backslash alone, so escapes keep their meaning', async () => {
    expect(await collapseModule('const a = html`<p>\\u00a0\n  x</p>`;')).to.equal(null);
  });

  it('answers null for a module with nothing to collapse', async () => {
    expect(await collapseModule('export const a = 1;')).to.equal(null);
  });
});
