// The ledger key of tests (never of a running collector), and the keyring that verifies its links.
import { ledgerKey, ledgerKeyring } from '../../collector/ledger/keys.ts'

const BYTES = Buffer.alloc(32, 8)
/** As PRECIS_LEDGER_KEY of the collector processes tests start. */
export const TEST_LEDGER_KEY_BASE64 = BYTES.toString('base64')
export const TEST_LEDGER_KEY = ledgerKey(BYTES)
export const TEST_LEDGER_KEYRING = ledgerKeyring(TEST_LEDGER_KEY)
export const TEST_LEDGER_KEYS = TEST_LEDGER_KEYRING.byId
