/**
 * Naming people of a workspace the same way everywhere: the name certificates give
 * (for a client, the name his inviter typed, checked against his certificate), else the
 * directory or the client's own announcement, else "Asiakas" for a client and the id for
 * anyone else.
 */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { Member } from '@yhteispoyta/local-api';
import { usePeople } from '../app/people-context';
import { memberName } from './member-groups';

/** A function naming a user id among `members` (or outside them). */
export function useMemberName(members: readonly Member[]): (userId: string) => string {
  const { t } = useTranslation();
  const { announcedName } = usePeople();
  const clientLabel = t('roles.client');
  return useCallback(
    (userId: string) => memberName(members.find((m) => m.userId === userId) ?? { userId }, announcedName, clientLabel),
    [members, announcedName, clientLabel],
  );
}
