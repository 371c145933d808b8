package org.vil4j.formats.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A strict reader of the zip container torch.save writes: entries are stored (never compressed), and every offset and
 * length is checked against the bytes at hand before anything is sliced. Zip64 end records are understood. Nothing is
 * allocated beyond a map of entry descriptors: entry contents are views of the file's bytes.
 */
final class ZipArchive {
    private static final int EOCD = 0x06054b50, EOCD64 = 0x06064b50, EOCD64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
    /** More entries than this in a checkpoint is not a checkpoint (each tensor storage is one entry). */
    static final int MAX_ENTRIES = 1_000_000;

    record Entry(String name, long dataOffset, long size, long crc) {
    }

    private final String source;
    private final ByteBuffer bytes;
    private final Map<String, Entry> entries;
    private final Map<String, Boolean> crcChecked = new java.util.HashMap<>();

    ZipArchive(ByteBuffer file, String source) {
        this.source = source;
        this.bytes = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.entries = Collections.unmodifiableMap(readCentralDirectory());
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** The entry's bytes (a little-endian view), with the CRC checked on first access. */
    ByteBuffer content(Entry e) {
        ByteBuffer view = slice(e.dataOffset(), e.size()).order(ByteOrder.LITTLE_ENDIAN);
        if (!crcChecked.containsKey(e.name())) {
            CRC32 crc = new CRC32();
            crc.update(view.duplicate());
            if (crc.getValue() != e.crc()) {
                throw fail("entry " + e.name() + " fails its CRC check (corrupted file)");
            }
            crcChecked.put(e.name(), Boolean.TRUE);
        }
        return view;
    }

    private Map<String, Entry> readCentralDirectory() {
        long length = bytes.capacity();
        if (length < 22) {
            throw fail("not a zip archive (" + length + " bytes, too short for an end record)");
        }
        long eocd = -1;
        for (long at = length - 22; at >= Math.max(0, length - 22 - 65535); at--) {
            if (bytes.getInt((int) at) == EOCD) {
                eocd = at;
                break;
            }
        }
        if (eocd < 0) {
            throw fail("not a zip archive, or truncated (no end-of-central-directory record)");
        }
        long count = u16(eocd + 10);
        long cdSize = u32(eocd + 12);
        long cdOffset = u32(eocd + 16);
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            long locator = eocd - 20;
            if (locator < 0 || bytes.getInt((int) locator) != EOCD64_LOCATOR) {
                throw fail("zip64 end record expected but its locator is missing");
            }
            long record = u64(locator + 8);
            check(record, 56, "zip64 end record");
            if (bytes.getInt((int) record) != EOCD64) {
                throw fail("zip64 end record has a bad signature");
            }
            count = u64(record + 32);
            cdSize = u64(record + 40);
            cdOffset = u64(record + 48);
        }
        if (count > MAX_ENTRIES) {
            throw fail("zip declares " + count + " entries (at most " + MAX_ENTRIES + " are read)");
        }
        check(cdOffset, cdSize, "central directory");
        Map<String, Entry> map = new LinkedHashMap<>();
        long at = cdOffset, end = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            check(at, 46, "central directory entry " + i);
            if (at + 46 > end || bytes.getInt((int) at) != CENTRAL) {
                throw fail("central directory entry " + i + " is malformed");
            }
            int flags = u16(at + 8);
            int method = u16(at + 10);
            long crc = u32(at + 16);
            long csize = u32(at + 20);
            long usize = u32(at + 24);
            int nameLen = u16(at + 28), extraLen = u16(at + 30), commentLen = u16(at + 32);
            long localOffset = u32(at + 42);
            check(at + 46, (long) nameLen + extraLen + commentLen, "central directory entry " + i);
            String name = utf8(slice(at + 46, nameLen), "entry name");
            // zip64 extra field: the saturated values follow in the order usize, csize, offset
            long x = at + 46 + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(x), len = u16(x + 2);
                if (x + 4 + len > xEnd) {
                    throw fail("entry " + name + " has a malformed extra field");
                }
                if (id == 0x0001) {
                    long p = x + 4, pEnd = p + len;
                    if (usize == 0xFFFFFFFFL && p + 8 <= pEnd) {
                        usize = u64(p);
                        p += 8;
                    }
                    if (csize == 0xFFFFFFFFL && p + 8 <= pEnd) {
                        csize = u64(p);
                        p += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL && p + 8 <= pEnd) {
                        localOffset = u64(p);
                    }
                }
                x += 4 + len;
            }
            if ((flags & 1) != 0) {
                throw fail("entry " + name + " is encrypted");
            }
            if (method != 0) {
                throw fail("entry " + name + " is compressed (method " + method + "); torch.save stores entries "
                        + "uncompressed and only such archives are read");
            }
            if (csize != usize) {
                throw fail("entry " + name + " is stored but declares " + csize + " stored and " + usize
                        + " uncompressed bytes");
            }
            check(localOffset, 30, "local header of " + name);
            if (bytes.getInt((int) localOffset) != LOCAL) {
                throw fail("entry " + name + " has no local header where the directory points");
            }
            long data = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
            check(data, usize, "entry " + name + " (" + usize + " bytes)");
            if (map.put(name, new Entry(name, data, usize, crc)) != null) {
                throw fail("entry " + name + " appears twice");
            }
            at += 46L + nameLen + extraLen + commentLen;
        }
        return map;
    }

    private void check(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > bytes.capacity() || length > bytes.capacity() - offset) {
            throw fail(what + " lies outside the file (offset " + offset + ", length " + length + ", file "
                    + bytes.capacity() + " bytes): truncated or corrupted");
        }
    }

    private ByteBuffer slice(long offset, long length) {
        check(offset, length, "slice");
        return bytes.slice((int) offset, (int) length);
    }

    private int u16(long at) {
        check(at, 2, "field");
        return bytes.getShort((int) at) & 0xFFFF;
    }

    private long u32(long at) {
        check(at, 4, "field");
        return bytes.getInt((int) at) & 0xFFFFFFFFL;
    }

    private long u64(long at) {
        check(at, 8, "field");
        long v = bytes.getLong((int) at);
        if (v < 0) {
            throw fail("a zip64 field holds " + Long.toUnsignedString(v) + ": corrupted");
        }
        return v;
    }

    private String utf8(ByteBuffer b, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not UTF-8");
        }
    }

    TorchFormatException fail(String message) {
        return new TorchFormatException(source + ": " + message);
    }
}
