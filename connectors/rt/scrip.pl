# CustomCommitCode of the "helpdesk-goals webhook" scrip (condition and
# action User Defined, template Blank). ci-initialdata.pl loads this file as the
# scrip's code; paste it into Admin > Global > Scrips on a customer's RT.
#
# Posts one signed JSON document per ticket transaction to $GoalsWebhookURL:
#   X-Goals-Host: rt
#   X-Goals-Delivery: rt-tx-<transaction id>
#   X-Goals-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with $GoalsWebhookSecret>
# Times are UTC (RFC 3339, "Z"); RT stores unset dates as 1970-01-01 00:00:00,
# which this code sends as null.
#
# The scrip runs inside the RT request that made the change, so it must never
# fail or stall that request: any error is logged and swallowed, and the POST
# gives up after 3 seconds. Nothing retries a lost delivery; the connector
# catches up from REST2 by transaction id.
use strict;
use warnings;
use JSON ();
use HTTP::Tiny;
use POSIX ();
use Digest::SHA qw(hmac_sha256_hex);

my $ticket = $self->TicketObj;
my $txn = $self->TransactionObj;
my $delivery_id = 'rt-tx-' . $txn->id;

my $sent = eval {
    my $url = RT->Config->Get('GoalsWebhookURL');
    my $secret = RT->Config->Get('GoalsWebhookSecret');
    die "GoalsWebhookURL or GoalsWebhookSecret is not set in the RT site config\n"
        unless $url && defined $secret && length $secret;

    my $utc = sub {
        my $date = shift;
        return $date->IsSet ? $date->W3CDTF(Timezone => 'UTC') : undef;
    };

    # Set transactions on Owner and Queue store ids in OldValue/NewValue;
    # the names let the connector map the RT user "Nobody" to "no owner".
    my ($old_name, $new_name);
    my $field = $txn->Field // '';
    if ($txn->Type eq 'Set' && ($field eq 'Owner' || $field eq 'Queue')) {
        my $class = $field eq 'Owner' ? 'RT::User' : 'RT::Queue';
        my $name_of = sub {
            my $id = shift;
            return undef unless $id;
            my $record = $class->new(RT->SystemUser);
            $record->Load($id);
            return $record->id ? $record->Name : undef;
        };
        $old_name = $name_of->($txn->OldValue);
        $new_name = $name_of->($txn->NewValue);
    }

    # Web, REST2 and mail gateway add X-RT-Interface (Web, REST2, Email, ...)
    # to the transaction's first attachment; Set and Status have none.
    my $first_attachment = $txn->Attachments->First;
    my $interface = $first_attachment ? $first_attachment->GetHeader('X-RT-Interface') : undef;

    my $creator = $txn->CreatorObj;
    my $body = JSON->new->utf8->canonical->encode({
        event_id => $delivery_id,
        sent_at => POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime),
        transaction => {
            id => 0 + $txn->id,
            type => $txn->Type,
            field => $txn->Field,
            old => $txn->OldValue,
            new => $txn->NewValue,
            old_name => $old_name,
            new_name => $new_name,
            creator => $creator->Name,
            creator_privileged => ($creator->Privileged ? 1 : 0),
            inbound => ($txn->IsInbound ? 1 : 0),
            interface => $interface,
            created => $utc->($txn->CreatedObj),
        },
        ticket => {
            id => 0 + $ticket->id,
            queue => $ticket->QueueObj->Name,
            queue_id => 0 + $ticket->Queue,
            status => $ticket->Status,
            owner => $ticket->OwnerObj->Name,
            priority => $ticket->Priority,
            created => $utc->($ticket->CreatedObj),
            started => $utc->($ticket->StartedObj),
            resolved => $utc->($ticket->ResolvedObj),
            told => $utc->($ticket->ToldObj),
            last_updated => $utc->($ticket->LastUpdatedObj),
        },
    });

    my $response = HTTP::Tiny->new(timeout => 3, agent => 'helpdesk-goals-rt-scrip/1')->post($url, {
        content => $body,
        headers => {
            'Content-Type' => 'application/json',
            'X-Goals-Host' => 'rt',
            'X-Goals-Delivery' => $delivery_id,
            'X-Goals-Signature' => 'sha256=' . hmac_sha256_hex($body, $secret),
        },
    });
    # HTTP::Tiny reports connection errors and timeouts as status 599 with
    # the error text as content.
    unless ($response->{success}) {
        my $detail = $response->{status} == 599 ? $response->{content} : $response->{reason};
        $detail =~ s/\s+\z//;
        die "POST $url failed with status $response->{status}: $detail\n";
    }
    1;
};
RT->Logger->warning("helpdesk-goals webhook $delivery_id failed: " . ($@ || 'unknown error'))
    unless $sent;

# Always report success so RT carries on with the transaction and other scrips.
return 1;
