"""Retention: rewards, daily logins, quests, achievements, statistics, tutorial."""
