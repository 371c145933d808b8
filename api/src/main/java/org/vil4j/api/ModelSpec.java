package org.vil4j.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model configuration as the reference code writes it: the constructor's class name and its keyword arguments
 * (JSON-like values: numbers, booleans, strings, lists, null), as golden cases and saved models record them.
 */
public record ModelSpec(String referenceClass, Map<String, Object> kwargs) {
    public ModelSpec {
        if (referenceClass == null || referenceClass.isEmpty()) {
            throw new IllegalArgumentException("model spec: no reference class");
        }
        kwargs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
    }

    /** This spec with one argument set (or replaced). */
    public ModelSpec with(String key, Object value) {
        Map<String, Object> k = new LinkedHashMap<>(kwargs);
        k.put(key, value);
        return new ModelSpec(referenceClass, k);
    }

    /** An integer argument, or {@code otherwise} when absent or null. */
    public int integer(String key, int otherwise) {
        Object v = kwargs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        throw new Vil4jException("invalid " + referenceClass + " configuration: " + key + " must be an integer, got "
                + v);
    }

    /** A number argument, or {@code otherwise} when absent; null stays null (as Python's None). */
    public Double number(String key, Double otherwise) {
        if (!kwargs.containsKey(key)) {
            return otherwise;
        }
        Object v = kwargs.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new Vil4jException("invalid " + referenceClass + " configuration: " + key + " must be a number, got "
                + v);
    }

    public String string(String key, String otherwise) {
        Object v = kwargs.get(key);
        return v == null ? otherwise : v.toString();
    }

    /** A list of integers (a tuple in the reference), or {@code otherwise}. */
    public int[] integers(String key, int[] otherwise) {
        Object v = kwargs.get(key);
        if (v == null) {
            return otherwise;
        }
        if (v instanceof List<?> list) {
            int[] out = new int[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw new Vil4jException("invalid " + referenceClass + " configuration: " + key
                            + " must hold integers, got " + list);
                }
                out[i] = n.intValue();
            }
            return out;
        }
        if (v instanceof Number n) {
            return new int[]{n.intValue()};
        }
        throw new Vil4jException("invalid " + referenceClass + " configuration: " + key + " must be a list, got " + v);
    }
}
