/**
 * The plan's rich text: TipTap bound to the room's Y.Doc with the Collaboration
 * extension, and everyone's caret and selection with CollaborationCaret (name and
 * colour from the awareness user). Undo and redo are Yjs's own (only one's own edits
 * are undone), so StarterKit's history is off. A small toolbar offers headings, lists
 * and emphasis; every button says what it does and whether it is on.
 */
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { EditorContent, useEditor, useEditorState } from '@tiptap/react';
import type { Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useTranslation } from 'react-i18next';
import type { AwarenessUser, PlanRoom } from './use-plan-room';

/** The caret of another person: a coloured bar with the name above it. */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const colour = typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : '#1d4f7a';
  const name = typeof user.name === 'string' ? user.name.slice(0, 100) : '?';
  const caret = document.createElement('span');
  caret.className = 'collaboration-carets__caret';
  caret.style.borderColor = colour;
  const label = document.createElement('span');
  label.className = 'collaboration-carets__label';
  label.style.backgroundColor = colour;
  // textContent, never innerHTML: the name comes from another person's device.
  label.textContent = name;
  caret.append(label);
  return caret;
}

/** The collaborative editor of the plan text. */
export function PlanEditor({ room, user, labelledBy }: { room: PlanRoom; user: AwarenessUser; labelledBy: string }) {
  const { t } = useTranslation();
  const editor = useEditor(
    {
      extensions: [
        StarterKit.configure({ undoRedo: false, heading: { levels: [2, 3] } }),
        Collaboration.configure({ document: room.doc }),
        CollaborationCaret.configure({ provider: room.provider, user: { ...user }, render: renderCaret }),
      ],
      editorProps: {
        attributes: {
          class: 'plan-text',
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-labelledby': labelledBy,
          spellcheck: 'true',
        },
      },
    },
    [room.doc, room.provider, user.name, user.color, user.userId],
  );
  return (
    <div className="plan-editor">
      <Toolbar editor={editor} label={t('plan.toolbar')} />
      <EditorContent editor={editor} />
    </div>
  );
}

function Toolbar({ editor, label }: { editor: Editor; label: string }) {
  const { t } = useTranslation();
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      h2: e.isActive('heading', { level: 2 }),
      h3: e.isActive('heading', { level: 3 }),
      bullets: e.isActive('bulletList'),
      numbers: e.isActive('orderedList'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const toggle = (key: string, pressed: boolean, action: () => void, text: string) => (
    <button key={key} type="button" className="tool" aria-pressed={pressed} onClick={action}>
      {text}
    </button>
  );
  return (
    <div className="toolbar" role="toolbar" aria-label={label}>
      {toggle('h2', state.h2, () => editor.chain().focus().toggleHeading({ level: 2 }).run(), t('plan.tools.heading'))}
      {toggle('h3', state.h3, () => editor.chain().focus().toggleHeading({ level: 3 }).run(), t('plan.tools.subheading'))}
      {toggle('bold', state.bold, () => editor.chain().focus().toggleBold().run(), t('plan.tools.bold'))}
      {toggle('italic', state.italic, () => editor.chain().focus().toggleItalic().run(), t('plan.tools.italic'))}
      {toggle('bullets', state.bullets, () => editor.chain().focus().toggleBulletList().run(), t('plan.tools.bullets'))}
      {toggle('numbers', state.numbers, () => editor.chain().focus().toggleOrderedList().run(), t('plan.tools.numbers'))}
      <button type="button" className="tool" disabled={!state.canUndo} onClick={() => editor.chain().focus().undo().run()}>
        {t('plan.tools.undo')}
      </button>
      <button type="button" className="tool" disabled={!state.canRedo} onClick={() => editor.chain().focus().redo().run()}>
        {t('plan.tools.redo')}
      </button>
    </div>
  );
}
