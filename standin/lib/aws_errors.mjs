// Writes AWS-style error answers: a JSON body naming the reason and the headers AWS IoT sends
// with a refused WebSocket upgrade (x-amzn-ErrorType, x-amzn-RequestId, Date, CORS).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

const ERROR_TYPE = { 400: 'BadRequestException', 403: 'ForbiddenException', 404: 'NotFoundException', 426: 'UpgradeRequired' };

/**
 * Answers an HTTP upgrade request on its raw socket and closes it.
 * The body: {"message": "Forbidden", "reason": <code>, "detail": <text>, "traceId": <uuid>}.
 * (Real AWS IoT only says "Forbidden"; reason/detail are the stand-in's extra help.)
 */
export function rejectUpgrade(socket, { status, reason, detail, date }) {
  const body = JSON.stringify({ message: STATUS_CODES[status], reason, detail, traceId: randomUUID() });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `date: ${date}`,
    `x-amzn-RequestId: ${randomUUID()}`,
    `x-amzn-ErrorType: ${ERROR_TYPE[status] ?? 'Exception'}:`,
    'access-control-allow-origin: *',
    'access-control-expose-headers: x-amzn-ErrorMessage, x-amzn-RequestId, x-amzn-ErrorType, Date',
    'connection: close',
  ];
  if (socket.writable) socket.end(head.join('\r\n') + '\r\n\r\n' + body);
  socket.destroySoon?.();
}
