/** The one ibv_wc_status → NTSTATUS table that every work completion goes through. */

import {
  NtStatus,
  ntStatusFromWcStatus,
  ntStatusName,
  WC_STATUS_TABLE,
  wcStatusName,
} from '../../lib';

describe('WC_STATUS_TABLE', () => {
  it('lists every ibv_wc_status from IBV_WC_SUCCESS (0) to IBV_WC_GENERAL_ERR (21) once', () => {
    expect(WC_STATUS_TABLE.map((row) => row.value)).toEqual(
      Array.from({ length: 22 }, (_, i) => i),
    );
    expect(new Set(WC_STATUS_TABLE.map((row) => row.name)).size).toBe(WC_STATUS_TABLE.length);
  });

  it.each([
    [0, 'IBV_WC_SUCCESS', 'STATUS_SUCCESS'],
    [1, 'IBV_WC_LOC_LEN_ERR', 'STATUS_DATA_OVERRUN'],
    [4, 'IBV_WC_LOC_PROT_ERR', 'STATUS_ACCESS_VIOLATION'],
    [5, 'IBV_WC_WR_FLUSH_ERR', 'STATUS_CANCELLED'],
    [10, 'IBV_WC_REM_ACCESS_ERR', 'STATUS_ACCESS_VIOLATION'],
    [11, 'IBV_WC_REM_OP_ERR', 'STATUS_CONNECTION_ABORTED'],
    [12, 'IBV_WC_RETRY_EXC_ERR', 'STATUS_IO_TIMEOUT'],
    [13, 'IBV_WC_RNR_RETRY_EXC_ERR', 'STATUS_IO_TIMEOUT'],
  ])('ibv_wc_status %d (%s) → %s', (value, name, status) => {
    expect(wcStatusName(value)).toBe(name);
    expect(ntStatusName(ntStatusFromWcStatus(value))).toBe(status);
  });

  it('only IBV_WC_SUCCESS maps to a success status', () => {
    for (const row of WC_STATUS_TABLE) {
      expect(row.status === NtStatus.STATUS_SUCCESS).toBe(row.value === 0);
    }
  });

  it('an unknown value is STATUS_UNSUCCESSFUL with its number kept in the name', () => {
    expect(ntStatusFromWcStatus(99)).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    expect(wcStatusName(99)).toContain('99');
  });
});
