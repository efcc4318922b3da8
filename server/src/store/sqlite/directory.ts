/**
 * sqlite: organisations, users, devices and the prekey directory.
 */
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { ClaimedBundle, DeviceRef, PublicPrekey, SignedPublicPrekey } from '@yhteispoyta/crypto/types';
import type { DeviceRecord, DirectoryStore, OrgRecord, PrekeyCounts, UserRecord } from '../port';
import { parseStoredJson, readCertificate, readPrekey, readRole, readSignedPrekey } from '../record-schemas';
import { certificateColumns } from '../certificate-columns';
import { isValidDeviceId } from '../rules';
import type { SqliteDb } from './db';
import { colBytes, colInt, colJson, colStr } from './db';

type Row = Record<string, unknown>;

function toOrg(r: Row): OrgRecord {
  const certificate = r['certificate'] === null ? undefined : readCertificate(parseStoredJson(colStr(r, 'certificate'), 'certificate'), 'org');
  return { id: colStr(r, 'id'), name: colStr(r, 'name'), createdAt: colInt(r, 'created_at'), ...(certificate === undefined ? {} : { certificate }) };
}
const toUser = (r: Row): UserRecord => ({
  id: colStr(r, 'id'),
  orgId: colStr(r, 'org_id'),
  role: readRole(colStr(r, 'role')),
  displayName: colStr(r, 'display_name'),
  createdAt: colInt(r, 'created_at'),
});
function toDevice(r: Row): DeviceRecord {
  return {
    userId: colStr(r, 'user_id'),
    deviceId: colInt(r, 'device_id'),
    identityKey: colBytes(r, 'identity_key'),
    registrationId: colInt(r, 'registration_id'),
    signedPreKey: readSignedPrekey(colJson(r, 'signed_prekey')),
    lastResortKyberPreKey: readSignedPrekey(colJson(r, 'last_resort_kyber')),
    createdAt: colInt(r, 'created_at'),
  };
}

/** Build the directory methods over an open database. */
export function sqliteDirectory({ db, immediate }: SqliteDb): DirectoryStore {
  const insertOrg = db.prepare(
    `INSERT INTO orgs (id, name, created_at, certificate, certificate_not_before) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  // The notBefore condition is the whole rule: an older renewal never overwrites a newer one.
  const renewOrg = db.prepare(
    `UPDATE orgs SET certificate = ?, certificate_not_before = ?, name = ?
     WHERE id = ? AND (certificate_not_before IS NULL OR certificate_not_before <= ?)`,
  );
  const selectOrg = db.prepare('SELECT * FROM orgs WHERE id = ?');
  const selectOrgs = db.prepare('SELECT * FROM orgs ORDER BY created_at, id');
  const insertUser = db.prepare(
    'INSERT INTO users (id, org_id, role, display_name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const selectUser = db.prepare('SELECT * FROM users WHERE id = ?');
  const selectUsers = db.prepare('SELECT * FROM users WHERE org_id = ? ORDER BY created_at, id');
  const selectDevice = db.prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ?');
  const selectDevices = db.prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id');
  const insertDevice = db.prepare(
    `INSERT INTO devices (user_id, device_id, identity_key, registration_id, signed_prekey, last_resort_kyber, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPrekey = db.prepare(
    'INSERT INTO one_time_prekeys (user_id, device_id, kind, key_id, key_json) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  // DELETE … RETURNING picks and removes one key in a single statement: a key is handed out once.
  const takePrekey = db.prepare(
    `DELETE FROM one_time_prekeys WHERE rowid = (
       SELECT rowid FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND kind = ? ORDER BY key_id LIMIT 1
     ) RETURNING key_json`,
  );
  const countPrekeys = db.prepare(
    'SELECT kind, count(*) AS n FROM one_time_prekeys WHERE user_id = ? AND device_id = ? GROUP BY kind',
  );
  const updateSigned = db.prepare('UPDATE devices SET signed_prekey = ? WHERE user_id = ? AND device_id = ?');
  const updateLastResort = db.prepare('UPDATE devices SET last_resort_kyber = ? WHERE user_id = ? AND device_id = ?');

  const deviceOf = (ref: DeviceRef): DeviceRecord | null => {
    const row = selectDevice.get([ref.userId, ref.deviceId]);
    return row ? toDevice(row) : null;
  };

  const insertPrekeys = (ref: DeviceRef, preKeys: readonly PublicPrekey[], kyber: readonly SignedPublicPrekey[]) => {
    let ec = 0;
    let kem = 0;
    for (const k of preKeys) {
      const json = JSON.stringify({ id: k.id, publicKey: k.publicKey });
      ec += insertPrekey.run([ref.userId, ref.deviceId, 'ec', k.id, json]).changes;
    }
    for (const k of kyber) {
      const json = JSON.stringify({ id: k.id, publicKey: k.publicKey, signature: k.signature });
      kem += insertPrekey.run([ref.userId, ref.deviceId, 'kyber', k.id, json]).changes;
    }
    return { oneTimePreKeys: ec, oneTimeKyberPreKeys: kem };
  };

  const counts = (ref: DeviceRef): PrekeyCounts => {
    let oneTimePreKeys = 0;
    let oneTimeKyberPreKeys = 0;
    for (const row of countPrekeys.all([ref.userId, ref.deviceId])) {
      if (colStr(row, 'kind') === 'ec') oneTimePreKeys = colInt(row, 'n');
      else oneTimeKyberPreKeys = colInt(row, 'n');
    }
    return { oneTimePreKeys, oneTimeKyberPreKeys };
  };

  return {
    async createOrg(org) {
      const certificate = org.certificate === undefined ? null : certificateColumns(org.certificate).json;
      const notBefore = org.certificate?.body.notBefore ?? null;
      const { changes } = insertOrg.run([org.id, org.name, org.createdAt, certificate, notBefore]);
      return changes === 1 ? { ok: true } : { ok: false, code: 'exists' };
    },
    async setOrgCertificate(certificate) {
      const { orgId, notBefore, name } = certificate.body;
      const { changes } = renewOrg.run([certificateColumns(certificate).json, notBefore, name, orgId, notBefore]);
      if (changes === 1) return { ok: true };
      return selectOrg.get([orgId]) ? { ok: false, code: 'stale' } : { ok: false, code: 'not_found' };
    },
    async getOrg(id) {
      const row = selectOrg.get([id]);
      return row ? toOrg(row) : null;
    },
    async listOrgs() {
      return selectOrgs.all().map(toOrg);
    },
    async createUser(user) {
      return immediate(() => {
        if (!selectOrg.get([user.orgId])) return { ok: false, code: 'unknown_org' } as const;
        const { changes } = insertUser.run([user.id, user.orgId, user.role, user.displayName, user.createdAt]);
        return changes === 1 ? ({ ok: true } as const) : ({ ok: false, code: 'exists' } as const);
      });
    },
    async getUser(id) {
      const row = selectUser.get([id]);
      return row ? toUser(row) : null;
    },
    async listUsers(orgId) {
      return selectUsers.all([orgId]).map(toUser);
    },

    async registerDevice(userId, upload, createdAt) {
      if (!isValidDeviceId(upload.deviceId)) return { ok: false, code: 'invalid_device_id' };
      const identityKey = fromBase64(upload.identityKey);
      if (!identityKey || identityKey.byteLength === 0) return { ok: false, code: 'invalid_identity_key' };
      const ref = { userId, deviceId: upload.deviceId };
      return immediate(() => {
        if (!selectUser.get([userId])) return { ok: false, code: 'unknown_user' } as const;
        if (selectDevice.get([userId, upload.deviceId])) return { ok: false, code: 'device_exists' } as const;
        insertDevice.run([
          userId,
          upload.deviceId,
          identityKey,
          upload.registrationId,
          JSON.stringify(upload.signedPreKey),
          JSON.stringify(upload.lastResortKyberPreKey),
          createdAt,
        ]);
        insertPrekeys(ref, upload.oneTimePreKeys, upload.oneTimeKyberPreKeys);
        return { ok: true } as const;
      });
    },
    async getDevice(ref) {
      return deviceOf(ref);
    },
    async listDevices(userId) {
      return selectDevices.all([userId]).map(toDevice);
    },
    async claimBundle(ref) {
      return immediate((): ClaimedBundle | null => {
        const device = deviceOf(ref);
        if (!device) return null;
        const ecRow = takePrekey.get([ref.userId, ref.deviceId, 'ec']);
        const kyberRow = takePrekey.get([ref.userId, ref.deviceId, 'kyber']);
        return {
          device: { userId: device.userId, deviceId: device.deviceId },
          registrationId: device.registrationId,
          identityKey: toBase64(device.identityKey),
          signedPreKey: device.signedPreKey,
          kyberPreKey: kyberRow ? readSignedPrekey(colJson(kyberRow, 'key_json')) : device.lastResortKyberPreKey,
          ...(ecRow ? { preKey: readPrekey(colJson(ecRow, 'key_json')) } : {}),
        };
      });
    },
    async prekeyCounts(ref) {
      return deviceOf(ref) ? counts(ref) : null;
    },
    async addOneTimePrekeys(ref, preKeys, kyberPreKeys) {
      return immediate(() => {
        if (!deviceOf(ref)) return { ok: false, code: 'not_found' } as const;
        return { ok: true, added: insertPrekeys(ref, preKeys, kyberPreKeys) } as const;
      });
    },
    async replaceSignedPrekeys(ref, signedPreKey, lastResortKyberPreKey) {
      return immediate(() => {
        if (updateSigned.run([JSON.stringify(signedPreKey), ref.userId, ref.deviceId]).changes !== 1) {
          return { ok: false, code: 'not_found' } as const;
        }
        if (lastResortKyberPreKey) {
          updateLastResort.run([JSON.stringify(lastResortKyberPreKey), ref.userId, ref.deviceId]);
        }
        return { ok: true } as const;
      });
    },
  };
}
