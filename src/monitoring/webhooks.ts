import { Logger } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkVimUrl, guardAgent } from '../../vim-adapters/contract/src/url-policy';

export interface WebhookPolicy {
  timeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Why a webhook URL is refused (not http(s), or denied by MANO_VIM_URL_DENY / _ALLOW), or undefined. */
export function webhookRefusal(url: string): string | undefined {
  try {
    checkVimUrl(url, 'url');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Alarm webhooks: POSTed as JSON under the same URL policy as notification callbacks (checked on the URL and again on
 * every address DNS gives), each bounded by a timeout, retried with exponential backoff on errors and non-2xx
 * answers. Deliveries run in the background; `idle()` waits for them (tests, shutdown).
 */
export class WebhookSender {
  private readonly logger = new Logger('Alarms');
  private readonly http = guardAgent(new HttpAgent({ keepAlive: true, maxSockets: 16 }));
  private readonly https = guardAgent(new HttpsAgent({ keepAlive: true, maxSockets: 16 }));
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly policy: WebhookPolicy) {}

  send(url: string, body: unknown): void {
    const run = this.deliver(url, JSON.stringify(body)).finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
    this.http.destroy();
    this.https.destroy();
  }

  private async deliver(url: string, payload: string): Promise<void> {
    const why = webhookRefusal(url);
    if (why) {
      this.logger.warn(`alarm webhook refused: ${why}`);
      return;
    }
    for (let attempt = 1; attempt <= this.policy.attempts && !this.stopped; attempt++) {
      try {
        const status = await this.post(new URL(url), payload);
        if (status >= 200 && status < 300) return;
        this.logger.warn(`alarm webhook ${new URL(url).origin} answered ${status} (attempt ${attempt})`);
      } catch (e) {
        this.logger.warn(`alarm webhook ${new URL(url).origin} failed: ${(e as Error).message} (attempt ${attempt})`);
      }
      const delay = Math.min(this.policy.retryMaxMs, this.policy.retryBaseMs * 2 ** (attempt - 1));
      if (attempt < this.policy.attempts) await new Promise((r) => setTimeout(r, delay).unref());
    }
  }

  private post(url: URL, payload: string): Promise<number> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: https ? this.https : this.http,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
          timeout: this.policy.timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.policy.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
