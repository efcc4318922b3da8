/**
 * A message or record names an attachment this device holds no key for: neither uploaded
 * here nor carried by a verified message or record of the workspace. Nothing was queued.
 * A RangeError, as other bad input of a send is.
 */
export class UnknownAttachmentError extends RangeError {
  override readonly name = 'UnknownAttachmentError';
  constructor(blobId: string) {
    super(`attachment ${blobId} is neither uploaded from this device nor carried by a message or record of this workspace`);
  }
}
