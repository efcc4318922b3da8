/**
 * A safety number's QR code beside its digits, drawn as SVG from the digits alone (no
 * network, no canvas): held up to the other person's phone camera, or compared by eye
 * with the code on his screen — both screens show the same code when the numbers agree.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { safetyQrPath } from '../lib/safety-qr';
import './qr.css';

/** The QR code of `safetyNumber`, or nothing for a malformed number (the digits' own notice says so). */
export function SafetyQr({ safetyNumber, name }: { safetyNumber: string; name: string }) {
  const { t } = useTranslation();
  const qr = useMemo(() => safetyQrPath(safetyNumber), [safetyNumber]);
  if (qr === undefined) return null;
  return (
    <figure className="safety-qr">
      <svg
        viewBox={`0 0 ${qr.size} ${qr.size}`}
        role="img"
        aria-label={t('qr.label', { name })}
        shapeRendering="crispEdges"
        data-testid="safety-qr"
      >
        <rect width={qr.size} height={qr.size} fill="#ffffff" />
        <path d={qr.d} fill="#000000" />
      </svg>
      <figcaption className="hint">{t('qr.caption')}</figcaption>
    </figure>
  );
}
