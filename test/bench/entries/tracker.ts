// The tracker part of the script tag: core, outbox in IndexedDB, transport, autocapture.

export { captureOptions } from '../../../sdk/browser/capture/options.ts'
export { startCapture } from '../../../sdk/browser/capture/start-capture.ts'
export { loadChunk } from '../../../sdk/browser/chunk.ts'
export { pageContext, pageProperties } from '../../../sdk/browser/context.ts'
export { deliveryEdges } from '../../../sdk/browser/delivery.ts'
export { browserStorage } from '../../../sdk/browser/storage.ts'
export { fetchTransport } from '../../../sdk/browser/transport.ts'
export { uuid } from '../../../sdk/core/ids.ts'
export { createPrecis } from '../../../sdk/core/precis.ts'
