/**
 * Sending a records action from a form: checked in the page first (field errors), then
 * sent; the agent's refusal (a records rule, the server) is kept for an ErrorNotice. The
 * form's fields are only cleared by `onDone`, after the agent accepted the action.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseRecordView } from '@yhteispoyta/local-api';
import { recordsApi } from '../api/agent-api';
import { useAction } from '../app/use-action';
import type { ActionState } from '../app/use-action';
import { checkAction } from './record-validation';
import type { FieldErrors } from './record-validation';

/** A form's submission state. */
export interface RecordSubmit {
  readonly errors: FieldErrors;
  readonly action: ActionState;
  submit(candidate: unknown, onDone?: (record: CaseRecordView) => void): void;
}

/** The submission state of one records form of `workspaceId`. */
export function useRecordSubmit(workspaceId: string): RecordSubmit {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  return {
    errors,
    action,
    submit(candidate, onDone) {
      const checked = checkAction(t, candidate);
      if (!checked.ok) {
        setErrors(checked.errors);
        return;
      }
      setErrors({});
      void action.run(async () => {
        const record = await recordsApi.send(workspaceId, checked.action);
        onDone?.(record);
      });
    },
  };
}
