/**
 * Progress of the attachment transfers this page started: a labelled progress bar per
 * file, which stays after completion (100 %, "valmis") or failure so the outcome can be
 * read, not just glimpsed.
 */
import { useTranslation } from 'react-i18next';
import type { TransferProgress } from '@yhteispoyta/local-api';
import { formatBytes } from '../lib/format';
import { transferRows } from './transfers';
import type { LocalTransfer } from './transfers';

/** The transfer list; nothing when there are no transfers. */
export function TransferList({ rows, progress }: { rows: readonly LocalTransfer[]; progress: ReadonlyMap<string, TransferProgress> }) {
  const { t, i18n } = useTranslation();
  const shown = transferRows(rows, progress);
  if (shown.length === 0) return null;
  return (
    <section className="transfers" aria-labelledby="transfers-title">
      <h3 id="transfers-title">{t('chat.transfers.title')}</h3>
      <ul>
        {shown.map((row) => {
          const label = t(`chat.transfers.${row.direction}`, { name: row.name });
          return (
            <li key={row.transferId} className={`transfer transfer-${row.outcome}`} data-transfer={row.direction}>
              <span id={`transfer-${row.transferId}`}>{label}</span>
              <progress aria-labelledby={`transfer-${row.transferId}`} max={100} value={row.percent}>
                {row.percent} %
              </progress>
              <span className="transfer-state" aria-live="polite">
                {row.outcome === 'done'
                  ? t('chat.transfers.done', { size: formatBytes(row.fileBytes, i18n.language) })
                  : row.outcome === 'failed'
                    ? t('chat.transfers.failed')
                    : t('chat.transfers.percent', { percent: row.percent })}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
