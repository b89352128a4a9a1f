import { webhookUrlProblem } from './webhook-url';

const dev = { allowLoopbackHttp: true };
const production = { allowLoopbackHttp: false };

describe('webhook URL policy', () => {
  it('accepts https everywhere', () => {
    expect(webhookUrlProblem('https://hooks.example.co.jp/ismap?x=1', production)).toBeNull();
  });

  it('accepts http only for this machine, and only outside production', () => {
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', dev)).toBeNull();
    expect(webhookUrlProblem('http://localhost/hook', dev)).toBeNull();
    expect(webhookUrlProblem('http://[::1]:9/hook', dev)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', production)).toMatch(/https/);
    expect(webhookUrlProblem('http://hooks.example.co.jp/', dev)).toMatch(/https/);
    expect(webhookUrlProblem('http://127.0.0.1.nip.io/', dev)).toMatch(/https/);
  });

  it('refuses other schemes, relative URLs, credentials and overlong URLs', () => {
    expect(webhookUrlProblem('ftp://example.com/x', dev)).toMatch(/https/);
    expect(webhookUrlProblem('file:///etc/passwd', dev)).toMatch(/https/);
    expect(webhookUrlProblem('/hook', dev)).toMatch(/absolute/);
    expect(webhookUrlProblem('https://user:pw@example.com/', dev)).toMatch(/credentials/);
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2100)}`, dev)).toMatch(/2048/);
  });
});
