/**
 * mongo: organisations, users, devices and the prekey directory. A one-time prekey is
 * claimed by deleting it: the caller whose deleteOne reports deletedCount 1 has it, so
 * each key leaves the collection exactly once, whoever asks concurrently. (Not
 * findOneAndDelete: FerretDB v1 runs it as find-then-delete and returns the same key to
 * concurrent callers.)
 *
 * A device id is registered once: the unique (userId, deviceId) index lets exactly one of
 * concurrent registrations in.
 *
 * Without transactions, device registration writes in this order: device document, then
 * one-time prekeys. A crash in between leaves a device without one-time prekeys, which is
 * a state the rules already handle (bundles then carry the last-resort Kyber key and no EC
 * one-time key; the device tops up when it sees its counts).
 */
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { ClaimedBundle, DeviceRef, PublicPrekey, SignedPublicPrekey } from '@yhteispoyta/crypto/types';
import { certificateColumns } from '../certificate-columns';
import type { DeviceRecord, DirectoryStore, OrgRecord } from '../port';
import { parseStoredJson, readCertificate, readPrekey, readRole, readSignedPrekey } from '../record-schemas';
import { isValidDeviceId } from '../rules';
import type { DeviceDoc, MongoModels, OrgDoc } from './models';
import { asBuffer, isDuplicateKey, storedBytes } from './values';

function toOrg(d: OrgDoc): OrgRecord {
  const certificate = d.certificate === undefined || d.certificate === null
    ? undefined
    : readCertificate(parseStoredJson(d.certificate, 'certificate'), 'org');
  return { id: d._id, name: d.name, createdAt: d.createdAt, ...(certificate === undefined ? {} : { certificate }) };
}

function toDevice(d: DeviceDoc): DeviceRecord {
  return {
    userId: d.userId,
    deviceId: d.deviceId,
    identityKey: storedBytes(d.identityKey),
    registrationId: d.registrationId,
    signedPreKey: readSignedPrekey(JSON.parse(d.signedPreKey)),
    lastResortKyberPreKey: readSignedPrekey(JSON.parse(d.lastResortKyberPreKey)),
    createdAt: d.createdAt,
  };
}

/** Build the directory methods over the adapter's models. */
export function mongoDirectory(m: MongoModels): DirectoryStore {
  const deviceOf = async (ref: DeviceRef): Promise<DeviceRecord | null> => {
    const doc = await m.devices.findOne({ userId: ref.userId, deviceId: ref.deviceId }).lean();
    return doc ? toDevice(doc) : null;
  };

  // Upserts with $setOnInsert: an id the device already has is left alone and not counted.
  const insertPrekeys = async (ref: DeviceRef, ec: readonly PublicPrekey[], kyber: readonly SignedPublicPrekey[]) => {
    const op = (kind: 'ec' | 'kyber', keyId: number, key: string) => ({
      updateOne: {
        filter: { userId: ref.userId, deviceId: ref.deviceId, kind, keyId },
        update: { $setOnInsert: { userId: ref.userId, deviceId: ref.deviceId, kind, keyId, key } },
        upsert: true,
      },
    });
    const count = async (ops: ReturnType<typeof op>[]) => (ops.length === 0 ? 0 : (await m.prekeys.bulkWrite(ops, { ordered: false })).upsertedCount);
    const oneTimePreKeys = await count(ec.map((k) => op('ec', k.id, JSON.stringify({ id: k.id, publicKey: k.publicKey }))));
    const oneTimeKyberPreKeys = await count(
      kyber.map((k) => op('kyber', k.id, JSON.stringify({ id: k.id, publicKey: k.publicKey, signature: k.signature }))),
    );
    return { oneTimePreKeys, oneTimeKyberPreKeys };
  };

  return {
    async createOrg(org) {
      const certified = org.certificate === undefined
        ? {}
        : { certificate: certificateColumns(org.certificate).json, certificateNotBefore: org.certificate.body.notBefore };
      try {
        await m.orgs.create({ _id: org.id, name: org.name, createdAt: org.createdAt, ...certified });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async getOrg(id) {
      const d = await m.orgs.findById(id).lean();
      return d ? toOrg(d) : null;
    },
    async listOrgs() {
      const docs = await m.orgs.find().sort({ createdAt: 1, _id: 1 }).lean();
      return docs.map(toOrg);
    },
    async setOrgCertificate(certificate) {
      const { orgId, notBefore, name } = certificate.body;
      // One conditional update: on MongoDB the notBefore condition and the write are atomic.
      // FerretDB v1 writes the whole document back without re-checking the filter, so two
      // renewals racing there could leave the older one; renewals are rare admin actions.
      const res = await m.orgs.updateOne(
        { _id: orgId, $or: [{ certificateNotBefore: { $exists: false } }, { certificateNotBefore: { $lte: notBefore } }] },
        { $set: { certificate: certificateColumns(certificate).json, certificateNotBefore: notBefore, name } },
      );
      if (res.matchedCount === 1) return { ok: true };
      return (await m.orgs.exists({ _id: orgId })) ? { ok: false, code: 'stale' } : { ok: false, code: 'not_found' };
    },
    async createUser(user) {
      if (!(await m.orgs.exists({ _id: user.orgId }))) return { ok: false, code: 'unknown_org' };
      try {
        await m.users.create({
          _id: user.id, orgId: user.orgId, role: user.role, displayName: user.displayName, createdAt: user.createdAt,
        });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async getUser(id) {
      const d = await m.users.findById(id).lean();
      return d ? { id: d._id, orgId: d.orgId, role: readRole(d.role), displayName: d.displayName, createdAt: d.createdAt } : null;
    },
    async listUsers(orgId) {
      const docs = await m.users.find({ orgId }).sort({ createdAt: 1, _id: 1 }).lean();
      return docs.map((d) => ({ id: d._id, orgId: d.orgId, role: readRole(d.role), displayName: d.displayName, createdAt: d.createdAt }));
    },

    async registerDevice(userId, upload, createdAt) {
      if (!isValidDeviceId(upload.deviceId)) return { ok: false, code: 'invalid_device_id' };
      const identityKey = fromBase64(upload.identityKey);
      if (!identityKey || identityKey.byteLength === 0) return { ok: false, code: 'invalid_identity_key' };
      if (!(await m.users.exists({ _id: userId }))) return { ok: false, code: 'unknown_user' };
      const ref = { userId, deviceId: upload.deviceId };
      try {
        await m.devices.create({
          userId,
          deviceId: upload.deviceId,
          identityKey: asBuffer(identityKey),
          registrationId: upload.registrationId,
          signedPreKey: JSON.stringify(upload.signedPreKey),
          lastResortKyberPreKey: JSON.stringify(upload.lastResortKyberPreKey),
          createdAt,
        });
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'device_exists' };
        throw error;
      }
      await insertPrekeys(ref, upload.oneTimePreKeys, upload.oneTimeKyberPreKeys);
      return { ok: true };
    },
    async getDevice(ref) {
      return deviceOf(ref);
    },
    async listDevices(userId) {
      const docs = await m.devices.find({ userId }).sort({ deviceId: 1 }).lean();
      return docs.map(toDevice);
    },
    async claimBundle(ref) {
      const device = await deviceOf(ref);
      if (!device) return null;
      const take = async (kind: 'ec' | 'kyber') => {
        // Each lost race means another caller got a key, so this ends when keys run out.
        for (;;) {
          const candidate = await m.prekeys.findOne({ userId: ref.userId, deviceId: ref.deviceId, kind }).sort({ keyId: 1 }).lean();
          if (!candidate) return null;
          if ((await m.prekeys.deleteOne({ _id: candidate._id })).deletedCount === 1) return candidate;
        }
      };
      const ec = await take('ec');
      const kyber = await take('kyber');
      const bundle: ClaimedBundle = {
        device: { userId: device.userId, deviceId: device.deviceId },
        registrationId: device.registrationId,
        identityKey: toBase64(device.identityKey),
        signedPreKey: device.signedPreKey,
        kyberPreKey: kyber ? readSignedPrekey(JSON.parse(kyber.key)) : device.lastResortKyberPreKey,
        ...(ec ? { preKey: readPrekey(JSON.parse(ec.key)) } : {}),
      };
      return bundle;
    },
    async prekeyCounts(ref) {
      if (!(await deviceOf(ref))) return null;
      const base = { userId: ref.userId, deviceId: ref.deviceId };
      const [oneTimePreKeys, oneTimeKyberPreKeys] = await Promise.all([
        m.prekeys.countDocuments({ ...base, kind: 'ec' }),
        m.prekeys.countDocuments({ ...base, kind: 'kyber' }),
      ]);
      return { oneTimePreKeys, oneTimeKyberPreKeys };
    },
    async addOneTimePrekeys(ref, preKeys, kyberPreKeys) {
      if (!(await deviceOf(ref))) return { ok: false, code: 'not_found' };
      return { ok: true, added: await insertPrekeys(ref, preKeys, kyberPreKeys) };
    },
    async replaceSignedPrekeys(ref, signedPreKey, lastResortKyberPreKey) {
      const doc = await m.devices.findOne({ userId: ref.userId, deviceId: ref.deviceId }).lean();
      if (!doc) return { ok: false, code: 'not_found' };
      const set: Record<string, string> = { signedPreKey: JSON.stringify(signedPreKey) };
      if (lastResortKyberPreKey) set['lastResortKyberPreKey'] = JSON.stringify(lastResortKyberPreKey);
      const res = await m.devices.updateOne({ _id: doc._id }, { $set: set });
      return res.matchedCount === 1 ? { ok: true } : { ok: false, code: 'not_found' };
    },
  };
}
