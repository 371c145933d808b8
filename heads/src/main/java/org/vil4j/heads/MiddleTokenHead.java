package org.vil4j.heads;

/** Pools the middle token (index S/2, as kappamodules pools a middle class token), [B, D]. */
public final class MiddleTokenHead extends SingleTokenHead {
    @Override
    public String name() {
        return "middle";
    }

    @Override
    public String description() {
        return "the middle token (index S/2, as kappamodules pools a middle class token), [B, D]";
    }

    @Override
    int token(int s, int patches) {
        return s / 2;
    }
}
