package org.vil4j.cli;

import org.vil4j.api.Vil4jException;

import java.util.Locale;

/** When a training run recomputes activations in the backward (gradient checkpointing). */
enum RecomputeActivations {
    /** Every step: the least memory. */
    ALWAYS,
    /** Never: a step that does not fit fails. */
    NEVER,
    /** From the first step whose activations do not fit the device on. */
    AUTO;

    static RecomputeActivations parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Vil4jException("--recompute-activations: '" + value + "' is not one of always, never, auto");
        }
    }
}
