/**
 * The PDF of an export (docs/design.md §11.5), drawn with pdf-lib in the agent — the only
 * place that holds the plaintext. DejaVu Sans (the npm package dejavu-fonts-ttf, free to
 * redistribute under the Bitstream Vera licence) is embedded, subset, so ä, ö and å and
 * every name print as written and stay extractable as text in any case system.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb } from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { CaseExport } from '@yhteispoyta/local-api';
import { personLine } from './export-content';
import { formatTime, labelsOf } from './export-labels';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const BODY = 10.5;
const LEADING = 1.4;

let fonts: { regular: Uint8Array; bold: Uint8Array } | undefined;

/** The font files, read once from the installed package. */
function fontFiles(): { regular: Uint8Array; bold: Uint8Array } {
  if (fonts === undefined) {
    const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fonts = { regular: readFileSync(join(dir, 'DejaVuSans.ttf')), bold: readFileSync(join(dir, 'DejaVuSans-Bold.ttf')) };
  }
  return fonts;
}

/** Lines of `text` no wider than `width` at `size`: words wrapped, over-long words cut. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/u).filter((w) => w !== '')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** Draws lines top to bottom, starting a new page when one is full. */
class Writer {
  #page: PDFPage;
  #y: number;
  readonly #doc: PDFDocument;
  readonly #width = A4[0] - 2 * MARGIN;

  constructor(doc: PDFDocument) {
    this.#doc = doc;
    this.#page = doc.addPage(A4);
    this.#y = A4[1] - MARGIN;
  }

  text(text: string, font: PDFFont, size: number, opts: { gapBefore?: number; grey?: boolean } = {}): void {
    this.#y -= opts.gapBefore ?? 0;
    for (const line of wrap(text, font, size, this.#width)) {
      if (this.#y - size * LEADING < MARGIN) {
        this.#page = this.#doc.addPage(A4);
        this.#y = A4[1] - MARGIN;
      }
      this.#y -= size * LEADING;
      this.#page.drawText(line, { x: MARGIN, y: this.#y, size, font, color: opts.grey === true ? rgb(0.3, 0.3, 0.3) : rgb(0, 0, 0) });
    }
  }
}

/** The PDF of an export. */
export async function exportPdf(content: CaseExport): Promise<Uint8Array> {
  const l = labelsOf(content.lang);
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const files = fontFiles();
  const regular = await doc.embedFont(files.regular, { subset: true });
  const bold = await doc.embedFont(files.bold, { subset: true });
  // Metadata from the content only: the same export gives the same document information.
  const at = new Date(content.exportedAt);
  doc.setTitle(content.title);
  doc.setAuthor(content.authors.map(personLine).join('; '));
  doc.setSubject(`${l.caseLabel}: ${content.workspace.label}`);
  doc.setCreator('Yhteispöytä');
  doc.setProducer('Yhteispöytä agent (pdf-lib)');
  doc.setCreationDate(at);
  doc.setModificationDate(at);
  doc.setLanguage(content.lang);

  const w = new Writer(doc);
  w.text(content.title, bold, 17);
  w.text(`${l.caseLabel}: ${content.workspace.label}`, regular, BODY, { gapBefore: 4 });
  if (content.date !== undefined) w.text(`${l.date}: ${formatTime(content.lang, content.date)}`, regular, BODY);
  w.text(`${l.exported}: ${formatTime(content.lang, content.exportedAt)} — ${personLine(content.exportedBy)}`, regular, BODY);
  w.text(`${content.what === 'plan' ? l.members : l.authors}: ${content.authors.map(personLine).join(', ')}`, regular, BODY);

  for (const section of content.sections) {
    w.text(section.heading, bold, 12, { gapBefore: 10 });
    for (const paragraph of section.paragraphs) w.text(paragraph, regular, BODY, { gapBefore: 2 });
  }

  const v = content.verification;
  w.text(l.verification, bold, 12, { gapBefore: 14 });
  w.text(`${formatTime(content.lang, v.checkedAt)}: ${l.verifiedSummary(v.verified, v.verified + v.pending)}${v.pending > 0 ? `; ${l.pendingSummary(v.pending)}` : ''}`, regular, BODY, { gapBefore: 2 });
  for (const event of v.events) {
    if (event.event.startsWith('document:')) {
      w.text(`✓ ${l.document}`, regular, 9.5, { grey: true });
      continue;
    }
    const who = event.by === undefined ? '' : ` — ${personLine(event.by)}`;
    const when = event.at === undefined ? '' : `, ${formatTime(content.lang, event.at)}`;
    const mark = event.result === 'verified' ? '✓' : '…';
    const result = event.result === 'verified' ? `${l.verified} (seq ${event.seq})` : l.pending;
    w.text(`${mark} ${l.steps[event.event] ?? event.event}${who}${when}: ${result}`, regular, 9.5, { grey: true });
  }

  const pages = doc.getPages();
  pages.forEach((page, i) => page.drawText(l.page(i + 1, pages.length), { x: MARGIN, y: MARGIN / 2, size: 8, font: regular, color: rgb(0.4, 0.4, 0.4) }));
  return doc.save({ useObjectStreams: true });
}
