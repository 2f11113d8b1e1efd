"""The Office console (/console) driven in a real browser: headless Chromium through Playwright."""
