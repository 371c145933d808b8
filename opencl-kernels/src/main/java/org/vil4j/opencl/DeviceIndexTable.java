package org.vil4j.opencl;

import org.vil4j.api.IndexTable;

/** An index table in the device's int arena. */
record DeviceIndexTable(int rows, int cols, int offset) implements IndexTable {
}
