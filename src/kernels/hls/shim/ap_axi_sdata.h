// ap_axi_sdata.h for the C simulation without vendor tools: Vitis HLS 2023.1's AXI4-Stream side
// channel struct ap_axiu<D, U, TI, TD> (UG1399, "AXI4-Stream Interfaces with Side-Channels"),
// with its members data (TDATA, D bits), keep and strb (TKEEP, TSTRB, D/8 bits), user (TUSER, U
// bits), last (TLAST), id (TID, TI bits) and dest (TDEST, TD bits), all zero when constructed.
// With Vitis present the real header is used instead.
#ifndef ATOLL_SHIM_AP_AXI_SDATA_H
#define ATOLL_SHIM_AP_AXI_SDATA_H

#include "ap_int.h"

template <int D, int U, int TI, int TD>
struct ap_axiu {
  ap_uint<D> data;
  ap_uint<(D + 7) / 8> keep;
  ap_uint<(D + 7) / 8> strb;
  ap_uint<U> user;
  ap_uint<1> last;
  ap_uint<TI> id;
  ap_uint<TD> dest;
};

#endif  // ATOLL_SHIM_AP_AXI_SDATA_H
