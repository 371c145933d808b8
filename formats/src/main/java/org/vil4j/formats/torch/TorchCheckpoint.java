package org.vil4j.formats.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code torch.save} archive (.th, .pt, .pth) read without running any code: a zip holding {@code data.pkl} and one
 * entry per storage under {@code data/}. The pickle is interpreted by a data-only machine whose globals are limited to
 * {@code torch._utils._rebuild_tensor_v2}, {@code torch._utils._rebuild_parameter}, {@code collections.OrderedDict}
 * and the storage types of float32, float16, bfloat16, float64 and int64; anything else is refused by name.
 *
 * <p>Safety: the whole file is read once (so nothing can change underneath), every zip offset and length and every
 * tensor's reach into its storage is checked before use, and decoding the tensors of a dict is refused when it would
 * allocate more than the file's size justifies (tensors aliasing one storage many times).
 */
public final class TorchCheckpoint {
    private final String source;
    private final long fileSize;
    private final Object root;

    private TorchCheckpoint(String source, long fileSize, Object root) {
        this.source = source;
        this.fileSize = fileSize;
        this.root = root;
    }

    /** Reads and checks {@code path}. */
    public static TorchCheckpoint open(Path path) {
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > Integer.MAX_VALUE - 8) {
                throw new TorchFormatException(path + ": " + size + " bytes; checkpoints over 2 GiB are not read");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new TorchFormatException("no such file: " + path);
        } catch (IOException e) {
            throw new TorchFormatException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return parse(bytes, path.toString());
    }

    /** Parses the bytes of an archive; {@code sourceName} goes into error messages. */
    public static TorchCheckpoint parse(byte[] bytes, String sourceName) {
        ZipArchive zip = new ZipArchive(ByteBuffer.wrap(bytes), sourceName);
        String prefix = null;
        for (String name : zip.entries().keySet()) {
            if (name.equals("data.pkl") || name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9) {
                if (prefix != null) {
                    throw zip.fail("more than one data.pkl in the archive");
                }
                prefix = name.substring(0, name.length() - "data.pkl".length());
            }
        }
        if (prefix == null) {
            throw zip.fail("no data.pkl: not a torch.save archive (legacy non-zip checkpoints are not read)");
        }
        ZipArchive.Entry order = zip.entries().get(prefix + "byteorder");
        if (order != null) {
            String value = StandardCharsets.US_ASCII.decode(zip.content(order)).toString();
            if (!value.equals("little")) {
                throw zip.fail("byte order '" + value + "' is not read (only little-endian archives)");
            }
        }
        String dataPrefix = prefix;
        Map<String, TorchStorage> storages = new HashMap<>();
        PickleMachine.Storages loader = (dtype, key, numel, location) -> {
            TorchStorage known = storages.get(key);
            if (known != null) {
                if (known.dtype != dtype || known.numel != numel) {
                    throw zip.fail("storage " + key + " is declared twice with different types or sizes");
                }
                return known;
            }
            ZipArchive.Entry entry = zip.entries().get(dataPrefix + "data/" + key);
            if (entry == null) {
                throw zip.fail("storage " + key + " has no entry data/" + key);
            }
            if (numel < 0 || numel > entry.size() / dtype.itemSize()) {
                throw zip.fail("storage " + key + " declares " + numel + " " + dtype.name().toLowerCase()
                        + " elements but its entry holds " + entry.size() + " bytes (too short)");
            }
            TorchStorage s = new TorchStorage(key, dtype, numel, zip.content(entry));
            storages.put(key, s);
            return s;
        };
        Object root = PickleMachine.load(zip.content(zip.entries().get(prefix + "data.pkl")), sourceName, loader);
        return new TorchCheckpoint(sourceName, bytes.length, root);
    }

    public String source() {
        return source;
    }

    /**
     * The unpickled value: {@code Map<Object,Object>} for dicts, {@code List<Object>} for lists, {@code List<Object>}
     * (unmodifiable) for tuples, {@link TorchTensor}, String, Long, BigInteger, Double, Boolean or null.
     */
    public Object root() {
        return plain(root, new IdentityHashMap<>());
    }

    /**
     * The tensors a checkpoint holds by name: {@code root["state_dict"]} when the root is a dict with that key (the
     * layout of the published ViL checkpoints), else the root itself. Every value must be a tensor.
     */
    public Map<String, TorchTensor> stateDict() {
        Object dict = root;
        if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> inner) {
            dict = inner;
        }
        if (!(dict instanceof Map<?, ?> map)) {
            throw new TorchFormatException(source + ": holds a " + PickleMachine.typeName(root)
                    + ", not a dict of tensors");
        }
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        List<String> bad = new ArrayList<>();
        long bytes = 0;
        for (var e : map.entrySet()) {
            if (e.getKey() instanceof String name && e.getValue() instanceof TorchTensor t) {
                out.put(name, t);
                bytes += t.byteSize();
            } else {
                bad.add(e.getKey() + " (" + PickleMachine.typeName(e.getValue()) + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new TorchFormatException(source + ": the state dict holds non-tensor entries: "
                    + String.join(", ", bad.subList(0, Math.min(bad.size(), 10)))
                    + (bad.size() > 10 ? " and " + (bad.size() - 10) + " more" : ""));
        }
        if (bytes > fileSize) {
            throw new TorchFormatException(source + ": its tensors view " + bytes + " bytes of storage, more than the "
                    + fileSize + "-byte file holds (storages aliased over and over)");
        }
        return Collections.unmodifiableMap(out);
    }

    /** Top-level entries other than the state dict (e.g. ctor_kwargs), as plain Java values; empty if none. */
    public Map<String, Object> extras() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> m && m.containsKey("state_dict")) {
            for (var e : m.entrySet()) {
                if (e.getKey() instanceof String k && !k.equals("state_dict")) {
                    out.put(k, plain(e.getValue(), new IdentityHashMap<>()));
                }
            }
        }
        return out;
    }

    /** Tuples become unmodifiable lists; cycles (a list holding itself) are cut with null. */
    private static Object plain(Object v, IdentityHashMap<Object, Boolean> open) {
        if (v instanceof PickleMachine.Tuple t) {
            if (open.put(v, true) != null) {
                return null;
            }
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                items.add(plain(t.get(i), open));
            }
            open.remove(v);
            return Collections.unmodifiableList(items);
        }
        if (v instanceof List<?> l) {
            if (open.put(v, true) != null) {
                return null;
            }
            List<Object> items = new ArrayList<>();
            for (Object o : l) {
                items.add(plain(o, open));
            }
            open.remove(v);
            return items;
        }
        if (v instanceof Map<?, ?> m) {
            if (open.put(v, true) != null) {
                return null;
            }
            Map<Object, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                out.put(e.getKey(), plain(e.getValue(), open));
            }
            open.remove(v);
            return out;
        }
        if (v instanceof PickleMachine.Global g) {
            return g.qualified();
        }
        return v;
    }
}
