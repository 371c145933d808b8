package org.vil4j.api;

/** The parameters a backbone hands to a plugin part, by the relative names the part declared. */
public interface ParameterSet {
    /** The parameter, or null if it is not declared in this configuration (an optional bias). */
    Tensor optional(String name);

    /** The parameter, which must exist. */
    default Tensor get(String name) {
        Tensor t = optional(name);
        if (t == null) {
            throw new IllegalStateException("no parameter " + name + " was declared");
        }
        return t;
    }

    /** The parameters below {@code prefix} (e.g. {@code "layer."}), by their names after it. */
    default ParameterSet below(String prefix) {
        ParameterSet outer = this;
        return name -> outer.optional(prefix + name);
    }
}
