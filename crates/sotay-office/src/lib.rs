//! `sotay-office` is the server the social insurance office runs.
