/**
 * Whether the person is looking at this page: it is visible (not a background tab, not
 * minimised) and has the focus. Messages count as read only then, and nothing is
 * notified for what he is reading.
 */
import { useEffect, useState } from 'react';

function attentive(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/** True while the page is visible and focused. */
export function useAttention(): boolean {
  const [value, setValue] = useState(attentive);
  useEffect(() => {
    const update = () => setValue(attentive());
    document.addEventListener('visibilitychange', update);
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    update();
    return () => {
      document.removeEventListener('visibilitychange', update);
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
    };
  }, []);
  return value;
}
