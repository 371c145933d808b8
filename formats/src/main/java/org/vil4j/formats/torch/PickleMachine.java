package org.vil4j.formats.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine that only builds data: dicts, lists, tuples, strings, numbers, booleans, None, and the
 * tensors torch.save describes. Globals resolve through a fixed whitelist; no class is instantiated and no code runs.
 * Every length is checked against the bytes left before anything is allocated, and the memo is a map, so a declared
 * index or length never sizes an allocation.
 */
final class PickleMachine {
    /** What a whitelisted {@code GLOBAL} pushes: a name, never a class. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** An immutable Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items(items));
        }

        private static List<Object> items(List<Object> items) {
            // List.copyOf refuses nulls; Python tuples hold None freely
            return items.stream().map(v -> v == null ? NONE : v).toList();
        }

        Object get(int i) {
            Object v = items.get(i);
            return v == NONE ? null : v;
        }

        int size() {
            return items.size();
        }
    }

    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };
    private static final Object MARK = new Object();

    static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
    static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
    static final String ORDERED_DICT = "collections.OrderedDict";
    private static final Set<String> CALLABLES = Set.of(REBUILD_TENSOR, REBUILD_PARAMETER, ORDERED_DICT);

    /** Resolves a storage persistent id to the storage it names. */
    interface Storages {
        TorchStorage load(TorchDType dtype, String key, long numel, String location);
    }

    private final ByteBuffer in;
    private final String where;
    private final Storages storages;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleMachine(ByteBuffer pickle, String where, Storages storages) {
        this.in = pickle.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.in.position(0);
        this.where = where;
        this.storages = storages;
    }

    /** Runs the pickle to STOP and returns its value (maps, lists, {@link Tuple}, tensors, strings, numbers). */
    static Object load(ByteBuffer pickle, String where, Storages storages) {
        return new PickleMachine(pickle, where, storages).run();
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw fail("pickle ends without STOP (truncated)");
            }
            int at = in.position();
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) {
                        throw fail(at, "pickle protocol " + proto + " is not read (2 to 5 are)");
                    }
                }
                case 0x95 -> need(8, "FRAME"); // FRAME: a length hint, skipped
                case '.' -> { // STOP
                    Object v = unwrap(pop(at));
                    return v;
                }
                case '(' -> { // MARK
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop(at); // POP
                case '1' -> popMark(at); // POP_MARK
                case '2' -> push(peek(at)); // DUP
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 0x8a -> push(long1(u8())); // LONG1
                case 'G' -> { // BINFLOAT, big-endian
                    need(8, "BINFLOAT");
                    push(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                    in.order(ByteOrder.LITTLE_ENDIAN);
                }
                case 'X' -> push(utf8(i32(), at)); // BINUNICODE
                case 0x8c -> push(utf8(u8(), at)); // SHORT_BINUNICODE
                case '}' -> push(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<Object>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(new Tuple(popMark(at))); // TUPLE
                case 0x85 -> push(new Tuple(popN(1, at))); // TUPLE1
                case 0x86 -> push(new Tuple(popN(2, at))); // TUPLE2
                case 0x87 -> push(new Tuple(popN(3, at))); // TUPLE3
                case 'l' -> { // LIST
                    List<Object> items = new ArrayList<>();
                    popMark(at).forEach(v -> items.add(unwrap(v)));
                    push(items);
                }
                case 'd' -> { // DICT
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putAll(d, popMark(at), at);
                    push(d);
                }
                case 's' -> { // SETITEM
                    Object value = pop(at), key = pop(at);
                    putAll(dict(peek(at), at), List.of(key, value), at);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark(at);
                    putAll(dict(peek(at), at), items, at);
                }
                case 'a' -> { // APPEND
                    Object value = pop(at);
                    list(peek(at), at).add(unwrap(value));
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark(at);
                    List<Object> target = list(peek(at), at);
                    items.forEach(v -> target.add(unwrap(v)));
                }
                case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
                case 'r' -> memo.put(i32() & 0xFFFFFFFFL, peek(at)); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
                case 'h' -> push(memoGet(u8(), at)); // BINGET
                case 'j' -> push(memoGet(i32() & 0xFFFFFFFFL, at)); // LONG_BINGET
                case 'c' -> push(global(line(at), line(at), at)); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at), module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail(at, "STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n, at));
                }
                case 'R' -> { // REDUCE
                    Object args = pop(at), callable = pop(at);
                    push(reduce(callable, args, at));
                }
                case 'b' -> { // BUILD
                    Object state = pop(at);
                    build(peek(at), state, at);
                }
                case 'Q' -> push(persistent(pop(at), at)); // BINPERSID
                default -> throw fail(at, "opcode 0x" + Integer.toHexString(op)
                        + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "")
                        + " is not supported (only the opcodes torch.save emits for tensors are read)");
            }
        }
    }

    private Object global(String module, String name, int at) {
        String q = module + "." + name;
        if (CALLABLES.contains(q)) {
            return new Global(module, name);
        }
        if (module.equals("torch") && TorchDType.ofStorageClass(name) != null) {
            return new Global(module, name);
        }
        throw fail(at, "refusing global " + q + ": only torch tensors, their storages (float32, float16, bfloat16, "
                + "float64, int64) and collections.OrderedDict are loaded");
    }

    private Object reduce(Object callable, Object args, int at) {
        if (!(callable instanceof Global g)) {
            throw fail(at, "REDUCE on a " + typeName(callable) + ", not a whitelisted global");
        }
        if (!(args instanceof Tuple t)) {
            throw fail(at, "REDUCE arguments are a " + typeName(args) + ", not a tuple");
        }
        switch (g.qualified()) {
            case ORDERED_DICT -> {
                if (t.size() != 0) {
                    throw fail(at, "OrderedDict is only rebuilt empty (then filled by SETITEMS)");
                }
                return new LinkedHashMap<Object, Object>();
            }
            case REBUILD_PARAMETER -> {
                if (t.size() != 3 || !(t.get(0) instanceof TorchTensor tensor)) {
                    throw fail(at, REBUILD_PARAMETER + " expects (tensor, requires_grad, hooks)");
                }
                return tensor;
            }
            case REBUILD_TENSOR -> {
                return rebuildTensor(t, at);
            }
            default -> throw fail(at, g.qualified() + " cannot be called (it is a storage type)");
        }
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private TorchTensor rebuildTensor(Tuple t, int at) {
        if (t.size() < 6 || t.size() > 7) {
            throw fail(at, REBUILD_TENSOR + " takes 6 or 7 arguments, got " + t.size());
        }
        if (!(t.get(0) instanceof TorchStorage storage)) {
            throw fail(at, REBUILD_TENSOR + ": argument 0 is a " + typeName(t.get(0)) + ", not a storage");
        }
        long offset = integer(t.get(1), "storage_offset", at);
        long[] size = integers(t.get(2), "size", at);
        long[] stride = integers(t.get(3), "stride", at);
        if (!(t.get(4) instanceof Boolean)) {
            throw fail(at, REBUILD_TENSOR + ": requires_grad is a " + typeName(t.get(4)));
        }
        if (!(t.get(5) instanceof Map<?, ?> hooks) || !hooks.isEmpty()) {
            throw fail(at, REBUILD_TENSOR + ": backward hooks must be an empty OrderedDict");
        }
        try {
            return TorchTensor.view(storage, offset, size, stride);
        } catch (IllegalArgumentException e) {
            throw fail(at, e.getMessage());
        }
    }

    private void build(Object target, Object state, int at) {
        // an OrderedDict state_dict carries its _metadata (module versions) as instance state: accepted, unused
        if (target instanceof Map<?, ?> && (state == NONE || state instanceof Map<?, ?>)) {
            return;
        }
        throw fail(at, "BUILD on a " + typeName(target) + " with a " + typeName(state) + " state is not supported");
    }

    /** ('storage', storage type, key, location, numel). */
    private Object persistent(Object pid, int at) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw fail(at, "persistent id is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof Global g) || !g.module().equals("torch")
                || TorchDType.ofStorageClass(g.name()) == null) {
            throw fail(at, "persistent id names no known storage type");
        }
        if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String location)) {
            throw fail(at, "persistent id key and location must be strings");
        }
        long numel = integer(t.get(4), "storage numel", at);
        return storages.load(TorchDType.ofStorageClass(g.name()), key, numel, location);
    }

    private long integer(Object v, String what, int at) {
        if (v instanceof Long l) {
            return l;
        }
        throw fail(at, what + " is a " + typeName(v) + ", not an integer in range");
    }

    private long[] integers(Object v, String what, int at) {
        if (!(v instanceof Tuple t)) {
            throw fail(at, what + " is a " + typeName(v) + ", not a tuple");
        }
        if (t.size() > TorchTensor.MAX_RANK) {
            throw fail(at, what + " has " + t.size() + " dimensions (at most " + TorchTensor.MAX_RANK + ")");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(t.get(i), what + "[" + i + "]", at);
        }
        return out;
    }

    private void putAll(Map<Object, Object> d, List<Object> items, int at) {
        if (items.size() % 2 != 0) {
            throw fail(at, "odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object key = unwrap(items.get(i));
            if (!(key == null || key instanceof String || key instanceof Long || key instanceof BigInteger
                    || key instanceof Double || key instanceof Boolean)) {
                throw fail(at, "unhashable dict key (a " + typeName(key) + ")");
            }
            d.put(key, unwrap(items.get(i + 1)));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object v, int at) {
        if (v instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail(at, "SETITEM(S) on a " + typeName(v) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object v, int at) {
        if (v instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail(at, "APPEND(S) on a " + typeName(v) + ", not a list");
    }

    private Object memoGet(long index, int at) {
        Object v = memo.get(index);
        if (v == null) {
            throw fail(at, "memo slot " + index + " is empty");
        }
        return v;
    }

    private void push(Object v) {
        stack.add(v);
    }

    private Object peek(int at) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private Object pop(int at) {
        Object v = peek(at);
        stack.remove(stack.size() - 1);
        return v;
    }

    private List<Object> popN(int n, int at) {
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(0, pop(at));
        }
        return out;
    }

    private List<Object> popMark(int at) {
        if (marks.isEmpty()) {
            throw fail(at, "no MARK on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m + 1, stack.size());
        List<Object> items = new ArrayList<>(sub);
        stack.subList(m, stack.size()).clear();
        if (items.contains(MARK)) {
            throw fail(at, "nested MARK left open");
        }
        return items;
    }

    private static Object unwrap(Object v) {
        return v == NONE ? null : v;
    }

    private int u8() {
        need(1, "operand");
        return in.get() & 0xFF;
    }

    private int u16() {
        need(2, "operand");
        return in.getShort() & 0xFFFF;
    }

    private int i32() {
        need(4, "operand");
        return in.getInt();
    }

    private Object long1(int n) {
        need(n, "LONG1");
        byte[] b = new byte[n];
        in.get(b);
        if (n == 0) {
            return 0L;
        }
        byte[] big = new byte[n];
        for (int i = 0; i < n; i++) {
            big[i] = b[n - 1 - i];
        }
        BigInteger v = new BigInteger(big);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(long length, int at) {
        if (length < 0 || length > in.remaining()) {
            throw fail(at, "string of " + (length & 0xFFFFFFFFL) + " bytes runs past the end of the pickle");
        }
        ByteBuffer b = in.slice(in.position(), (int) length);
        in.position(in.position() + (int) length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b).toString();
        } catch (CharacterCodingException e) {
            throw fail(at, "string is not valid UTF-8");
        }
    }

    /** A GLOBAL operand: printable ASCII up to a newline, at most 256 bytes. */
    private String line(int at) {
        StringBuilder s = new StringBuilder();
        while (true) {
            if (!in.hasRemaining() || s.length() > 256) {
                throw fail(at, "GLOBAL name is unterminated");
            }
            int c = in.get() & 0xFF;
            if (c == '\n') {
                return s.toString();
            }
            if (c < 0x20 || c >= 0x7f) {
                throw fail(at, "GLOBAL name holds a non-printable byte");
            }
            s.append((char) c);
        }
    }

    private void need(int n, String what) {
        if (in.remaining() < n) {
            throw fail(in.position(), what + " runs past the end of the pickle (truncated)");
        }
        if (what.equals("FRAME")) {
            in.position(in.position() + n);
        }
    }

    static String typeName(Object v) {
        if (v == null || v == NONE) {
            return "None";
        }
        if (v instanceof Map<?, ?>) {
            return "dict";
        }
        if (v instanceof List<?>) {
            return "list";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof TorchTensor) {
            return "tensor";
        }
        if (v instanceof TorchStorage) {
            return "storage";
        }
        if (v instanceof Global g) {
            return "global " + g.qualified();
        }
        return "mark";
    }

    private TorchFormatException fail(String message) {
        return fail(in.position(), message);
    }

    private TorchFormatException fail(int at, String message) {
        return new TorchFormatException(where + " (pickle byte " + at + "): " + message);
    }
}
