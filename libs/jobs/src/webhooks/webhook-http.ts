import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  signWebhookBody,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_EVENT_TYPE_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
} from './webhook-signature';

export type WebhookPostResult =
  | { readonly delivered: true; readonly status: number }
  | { readonly delivered: false; readonly status: number | null; readonly error: string };

export interface WebhookPost {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly timeoutMs: number;
  readonly nowSeconds: number;
}

/**
 * One signed POST. Only a 2xx answer counts as delivered; a redirect is a failure and is never followed (the
 * receiver registered one URL, and following would let it point our worker anywhere). The response body is
 * discarded unread, so nothing the receiver says reaches our logs or the deliveries view.
 */
export function postWebhook(post: WebhookPost): Promise<WebhookPostResult> {
  const url = new URL(post.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.resolve({ delivered: false, status: null, error: 'url scheme is not http(s)' });
  }
  const body = Buffer.from(post.body, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WebhookPostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': 'ismap-ledger-webhooks/1',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(post.secret, body, post.nowSeconds),
        [WEBHOOK_EVENT_ID_HEADER]: post.eventId,
        [WEBHOOK_EVENT_TYPE_HEADER]: post.eventType,
      },
    });
    // One deadline for the whole exchange (connect, send, answer), not per socket read.
    const timer = setTimeout(() => {
      req.destroy();
      finish({ delivered: false, status: null, error: `no answer within ${post.timeoutMs} ms` });
    }, post.timeoutMs);
    req.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on('error', () => undefined);
      if (status >= 200 && status < 300) finish({ delivered: true, status });
      else if (status >= 300 && status < 400) {
        finish({ delivered: false, status, error: `HTTP ${status} (redirects are not followed)` });
      } else finish({ delivered: false, status, error: `HTTP ${status}` });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ delivered: false, status: null, error: error.code ?? 'connection failed' });
    });
    req.end(body);
  });
}
