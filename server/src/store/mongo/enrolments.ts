/**
 * mongo: enrolments waiting for their code's issuer. One document per code id (unique
 * _id: a code enrols one device). Closing is one updateMany on documents without
 * `closedAt`: on MongoDB concurrent closes of one enrolment set it once; on FerretDB v1
 * (read-then-write updates) two racing closes may both write, the later time winning,
 * which changes nothing a reader relies on (the enrolment is closed either way).
 */
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import { certificateColumns } from '../certificate-columns';
import type { EnrolmentRecord, EnrolmentStore } from '../port';
import { parseStoredJson, readCertificate, readCodeKind } from '../record-schemas';
import type { EnrolmentDoc, MongoModels } from './models';
import { asBuffer, isDuplicateKey, storedBytes } from './values';

const present = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

function toEnrolment(d: EnrolmentDoc): EnrolmentRecord {
  return {
    codeId: d._id,
    kind: readCodeKind(d.kind),
    userId: d.userId,
    orgId: d.orgId,
    deviceId: d.deviceId,
    identityKey: storedBytes(d.identityKey),
    registrationId: d.registrationId,
    ...(present(d.userKey) ? { userKey: storedBytes(d.userKey) } : {}),
    ...(present(d.deviceCertificate)
      ? { deviceCertificate: readCertificate(parseStoredJson(d.deviceCertificate, 'device certificate'), 'device') }
      : {}),
    proof: d.proof,
    enrolledAt: d.enrolledAt,
    ...(present(d.issuedByUser) && present(d.issuedByDevice) ? { issuedBy: { userId: d.issuedByUser, deviceId: d.issuedByDevice } } : {}),
    ...(present(d.workspaceId) ? { workspaceId: d.workspaceId } : {}),
    ...(present(d.closedAt) ? { closedAt: d.closedAt } : {}),
  };
}

/** Build the enrolment methods over the adapter's models. */
export function mongoEnrolments(m: MongoModels): EnrolmentStore {
  return {
    async createEnrolment(e) {
      try {
        await m.enrolments.create({
          _id: e.codeId, kind: e.kind, userId: e.userId, orgId: e.orgId, deviceId: e.deviceId,
          identityKey: asBuffer(e.identityKey), keyHash: identityKeyHash(e.identityKey), registrationId: e.registrationId,
          proof: e.proof, enrolledAt: e.enrolledAt,
          ...(e.userKey === undefined ? {} : { userKey: asBuffer(e.userKey) }),
          ...(e.deviceCertificate === undefined ? {} : { deviceCertificate: certificateColumns(e.deviceCertificate).json }),
          ...(e.issuedBy === undefined ? {} : { issuedByUser: e.issuedBy.userId, issuedByDevice: e.issuedBy.deviceId }),
          ...(e.workspaceId === undefined ? {} : { workspaceId: e.workspaceId }),
        });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async getEnrolment(codeId) {
      const d = await m.enrolments.findById(codeId).lean();
      return d ? toEnrolment(d) : null;
    },
    async listEnrolments(query) {
      const filter = {
        ...(query.userId !== undefined ? { userId: query.userId } : { orgId: query.orgId }),
        ...(query.kind === undefined ? {} : { kind: query.kind }),
        ...(query.openOnly === true ? { closedAt: { $exists: false } } : {}),
      };
      const docs = await m.enrolments.find(filter).sort({ enrolledAt: 1, _id: 1 }).limit(query.limit).lean();
      return docs.map(toEnrolment);
    },
    async closeEnrolments(device, identityKey, closedAt) {
      const res = await m.enrolments.updateMany(
        { userId: device.userId, deviceId: device.deviceId, keyHash: identityKeyHash(identityKey), closedAt: { $exists: false } },
        { $set: { closedAt } },
      );
      return res.modifiedCount;
    },
  };
}
