// The answers both baseline servers give: schema-valid 1.6 payloads, made without any storage.
let transactionIds = 0;

export function baselineAnswer(action: string): Record<string, unknown> {
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 };
    case 'Heartbeat':
      return { currentTime: new Date().toISOString() };
    case 'StartTransaction':
      return { transactionId: ++transactionIds, idTagInfo: { status: 'Accepted' } };
    case 'StopTransaction':
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    default:
      return {};
  }
}

/** The port to listen on (argv[2], 0: any) and the line the launcher waits for. */
export const requestedPort = () => Number(process.argv[2] ?? 0);
export const announce = (port: number) => console.log(`listening ${port}`);
