package org.vil4j.heads;

/** Pools the first token, [B, D]. */
public final class FirstTokenHead extends SingleTokenHead {
    @Override
    public String name() {
        return "first";
    }

    @Override
    public String description() {
        return "the first token, [B, D]";
    }

    @Override
    int token(int s, int patches) {
        return 0;
    }
}
