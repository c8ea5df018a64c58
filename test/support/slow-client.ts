// A hostile client that holds a connection: headers and one byte of a 1,000-byte body, then
// nothing. Used against the collector process by the hardening test and the abuse drill.
import { connect } from 'node:net'

/** A stalled upload from the local address `from` (127.0.0.0/8 is all loopback). */
export const slowBody = (url: string, from: string) => {
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port), localAddress: from })
  let answer = ''
  socket.on('data', (chunk) => {
    answer += chunk
  })
  socket.on('error', () => {})
  socket.write(
    `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{`,
  )
  /** What the collector answered before it closed the connection ('' when it just closed it). */
  const closed = new Promise<string>((done) => socket.on('close', () => done(answer)))
  const connected = new Promise<void>((done) => socket.on('connect', () => done()))
  return { socket, closed, connected }
}
