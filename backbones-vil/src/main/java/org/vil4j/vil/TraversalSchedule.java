package org.vil4j.vil;

import org.vil4j.api.Vil4jException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which traversal each sub-block uses: a cycle of traversal plugin names repeated over the sub-blocks. Written as a
 * spec string, which is what configurations take and saved models record:
 * <ul>
 *   <li>{@code alternate}: the reference ViL, {@code rowwise_from_top_left, rowwise_from_bot_right} cycled;</li>
 *   <li>{@code four_way}: VMamba's cross scan, rows, rows reversed, columns, columns reversed cycled
 *       ({@code rowwise_from_top_left, rowwise_from_bot_right, columnwise_from_top_left,
 *       columnwise_from_bot_right});</li>
 *   <li>any comma-separated list of traversal names (parameterised ones included, e.g.
 *       {@code snake_rows,local_window_k3}), cycled; one name alone gives every sub-block that traversal.</li>
 * </ul>
 * {@link #of(List)} finds the shortest cycle of a per-sub-block list and names it when it is a named schedule, so
 * {@code parse(of(list).spec()).forSubBlocks(list.size())} gives the list back.
 */
public final class TraversalSchedule {
    public static final String ALTERNATE = "alternate";
    public static final String FOUR_WAY = "four_way";
    private static final Map<String, List<String>> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put(ALTERNATE, List.of(VilConfig.TOP_LEFT, VilConfig.BOT_RIGHT));
        NAMED.put(FOUR_WAY, List.of(VilConfig.TOP_LEFT, VilConfig.BOT_RIGHT, "columnwise_from_top_left",
                "columnwise_from_bot_right"));
    }

    private final List<String> cycle;

    private TraversalSchedule(List<String> cycle) {
        this.cycle = List.copyOf(cycle);
    }

    /** The named schedules and their cycles. */
    public static Map<String, List<String>> named() {
        return java.util.Collections.unmodifiableMap(NAMED);
    }

    /** Reads a spec: a named schedule or a comma list of traversal names (names are checked when a model is built). */
    public static TraversalSchedule parse(String spec) {
        Objects.requireNonNull(spec, "schedule");
        List<String> named = NAMED.get(spec.trim());
        if (named != null) {
            return new TraversalSchedule(named);
        }
        List<String> names = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            String name = part.trim();
            if (name.isEmpty()) {
                throw new Vil4jException("traversal schedule '" + spec + "' has an empty entry (named schedules: "
                        + String.join(", ", NAMED.keySet()) + ", or a comma list of traversal names)");
            }
            names.add(name);
        }
        return new TraversalSchedule(names);
    }

    /** The shortest cycle that repeats to {@code perSubBlock}. */
    public static TraversalSchedule of(List<String> perSubBlock) {
        if (perSubBlock.isEmpty()) {
            throw new Vil4jException("empty traversal schedule");
        }
        int n = perSubBlock.size();
        for (int period = 1; period <= n; period++) {
            boolean repeats = true;
            for (int i = period; i < n && repeats; i++) {
                repeats = perSubBlock.get(i).equals(perSubBlock.get(i - period));
            }
            if (repeats) {
                return new TraversalSchedule(perSubBlock.subList(0, period));
            }
        }
        throw new AssertionError("unreachable");
    }

    /** The schedule of a configuration. */
    public static TraversalSchedule of(VilConfig config) {
        return of(config.traversals());
    }

    /** The names cycled over the sub-blocks. */
    public List<String> cycle() {
        return cycle;
    }

    /** The traversal of each of {@code subBlocks} sub-blocks. */
    public List<String> forSubBlocks(int subBlocks) {
        List<String> names = new ArrayList<>(subBlocks);
        for (int i = 0; i < subBlocks; i++) {
            names.add(cycle.get(i % cycle.size()));
        }
        return names;
    }

    /** The configuration with this schedule. */
    public VilConfig applyTo(VilConfig config) {
        return config.withTraversals(cycle);
    }

    /** The spec string: the schedule's name when it is a named one, else the comma list of its cycle. */
    public String spec() {
        for (var e : NAMED.entrySet()) {
            if (e.getValue().equals(cycle)) {
                return e.getKey();
            }
        }
        return String.join(",", cycle);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraversalSchedule s && s.cycle.equals(cycle);
    }

    @Override
    public int hashCode() {
        return cycle.hashCode();
    }

    @Override
    public String toString() {
        return spec();
    }
}
