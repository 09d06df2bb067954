"""The web layer: routes (api/, pages/, editor/), templates, form binding, error handlers and
middleware. Handlers parse input, call services, and shape the output."""
